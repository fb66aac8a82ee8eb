/**
 * The migration runner against a real Postgres: each case on a database of its own, created here
 * on the harness's server and dropped afterwards.
 */
import { describe, expect, it } from "vitest";
import postgres from "postgres";
import { Resource } from "sst";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ulid } from "ulid";
import { migrate, MigrationError } from "../src/wallet/migrate.ts";

let sequence = 0;

async function withFreshDatabase(run: (connect: () => postgres.Sql) => Promise<void>) {
  const { host, port, username, password, database } = Resource.Postgres;
  const fresh = `${database}_m${sequence++}`;
  const admin = postgres({ host, port: Number(port), username, password, database, max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${fresh}`);
  const clients: postgres.Sql[] = [];
  try {
    await run(() => {
      const client = postgres({ host, port: Number(port), username, password, database: fresh, max: 2, onnotice: () => {} });
      clients.push(client);
      return client;
    });
  } finally {
    await Promise.all(clients.map((c) => c.end({ timeout: 5 })));
    await admin.unsafe(`drop database if exists ${fresh}`);
    await admin.end();
  }
}

async function withDirectory(files: Record<string, string>, run: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "wallet-migrations-"));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const recordedIds = async (sql: postgres.Sql) =>
  (await sql<{ id: string }[]>`select id from wallet.schema_migration order by id`).map((r) => r.id);

describe("migrate", () => {
  it("concurrent runners on a fresh database apply each migration exactly once, versioned before repeatable", async () => {
    await withFreshDatabase(async (connect) => {
      const runners = Array.from({ length: 4 }, () => connect());
      const results = await Promise.all(runners.map((sql) => migrate(sql)));
      const applied = results.flatMap((r) => r.applied);
      expect(new Set(applied).size).toBe(applied.length);
      expect([...applied].sort()).toEqual(["0001_init", "0002_money_functions", "R__money_batch", "R__money_common", "R__money_compensate", "R__money_deposit", "R__money_move"]);
      const first = runners[0]!;
      expect(await migrate(first)).toEqual({ applied: [] });
      const [row] = await first<{ migrations: number; unchecked: number; treasuries: number }[]>`
        select (select count(*)::int from wallet.schema_migration) as migrations,
               (select count(*)::int from wallet.schema_migration where checksum is null) as unchecked,
               (select count(*)::int from wallet.account where kind = 'treasury') as treasuries`;
      expect(row).toEqual({ migrations: applied.length, unchecked: 0, treasuries: 1 });
    });
  });

  it("applies a directory's files in name order, each once, and rolls back a failing one", async () => {
    await withDirectory(
      {
        "0002_second.sql": "insert into demo (note) values ('second');",
        "0001_first.sql": "create schema if not exists wallet; create table demo (note text not null);",
        "README.md": "not a migration",
      },
      async (dir) => {
        await withFreshDatabase(async (connect) => {
          const sql = connect();
          expect(await migrate(sql, { dir })).toEqual({ applied: ["0001_first", "0002_second"] });
          expect(await migrate(sql, { dir: new URL(`file://${dir}/`) })).toEqual({ applied: [] });
          await writeFile(join(dir, "0003_broken.sql"), "insert into demo (note) values ('third'); select no_such_function();");
          await expect(migrate(sql, { dir })).rejects.toMatchObject({ code: "42883" });
          const notes = await sql<{ note: string }[]>`select note from demo order by note`;
          expect(notes.map((n) => n.note)).toEqual(["second"]);
          expect(await recordedIds(sql)).toEqual(["0001_first", "0002_second"]);
        });
      },
    );
  });

  it("re-applies a repeatable file when its text changes, after the versioned ones, and only then", async () => {
    await withDirectory(
      {
        "R__answer.sql": "create or replace function demo_answer() returns int language sql as 'select 1';",
        "0001_first.sql": "create schema if not exists wallet; create table demo (note text not null);",
      },
      async (dir) => {
        await withFreshDatabase(async (connect) => {
          const sql = connect();
          const answer = async () => (await sql<{ n: number }[]>`select demo_answer() as n`)[0]!.n;
          expect(await migrate(sql, { dir })).toEqual({ applied: ["0001_first", "R__answer"] });
          expect(await migrate(sql, { dir })).toEqual({ applied: [] });
          expect(await answer()).toBe(1);
          // A new versioned file runs before the changed repeatable one.
          await writeFile(join(dir, "R__answer.sql"), "create or replace function demo_answer() returns int language sql as 'select count(*)::int + 2 from demo';");
          await writeFile(join(dir, "0002_second.sql"), "insert into demo (note) values ('second');");
          expect(await migrate(sql, { dir })).toEqual({ applied: ["0002_second", "R__answer"] });
          expect(await answer()).toBe(3);
          expect(await migrate(sql, { dir })).toEqual({ applied: [] });
        });
      },
    );
  });

  it("refuses a versioned migration edited after it was applied, and a misnamed file, before applying anything", async () => {
    await withDirectory({ "0001_first.sql": "create schema if not exists wallet; create table demo (note text not null);" }, async (dir) => {
      await withFreshDatabase(async (connect) => {
        const sql = connect();
        await migrate(sql, { dir });
        await writeFile(join(dir, "0001_first.sql"), "create schema if not exists wallet; create table demo (note text);");
        await writeFile(join(dir, "0002_second.sql"), "insert into demo (note) values ('second');");
        await expect(migrate(sql, { dir })).rejects.toMatchObject({ kind: "conflict", code: MigrationError.MIGRATION_CHANGED });
        expect(await recordedIds(sql)).toEqual(["0001_first"]);

        await rm(join(dir, "0002_second.sql"));
        await writeFile(join(dir, "0001_first.sql"), "create schema if not exists wallet; create table demo (note text not null);");
        await writeFile(join(dir, "2_money.sql"), "select 1;");
        await expect(migrate(sql, { dir })).rejects.toMatchObject({ kind: "validation", code: MigrationError.MIGRATION_FILE_NAME });
      });
    });
  });

  it("upgrades a database migrated before repeatable files: the functions are replaced, the old ids stay, checksums are recorded", async () => {
    await withFreshDatabase(async (connect) => {
      const sql = connect();
      await migrate(sql);
      // The state such a database was in: no checksums, ids of files that are gone (0003, 0004),
      // no R__ rows, the old text of wallet.move, and wallet.move_locked, since retired.
      await sql.unsafe(`
        alter table wallet.schema_migration drop column checksum;
        delete from wallet.schema_migration where id like 'R\\_\\_%';
        insert into wallet.schema_migration (id) values ('0003_batched_moves'), ('0004_deposit_function');
        create or replace function wallet.move(p_type text, p_transfer_id text, p_user_id text, p_amount numeric)
        returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
        language plpgsql as $$ begin raise exception 'the old text'; end $$;
        create function wallet.move_locked(p_type text, p_transfer_id text, p_user_id text, p_amount numeric)
        returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
        language plpgsql as $$ begin raise exception 'the old text'; end $$;`);

      expect(await migrate(sql)).toEqual({ applied: ["R__money_batch", "R__money_common", "R__money_compensate", "R__money_deposit", "R__money_move"] });
      const [row] = await sql<{ unchecked: number; ids: string[]; retired: boolean }[]>`
        select (select count(*)::int from wallet.schema_migration where checksum is null) as unchecked,
               (select array_agg(id order by id) from wallet.schema_migration where id like '000%') as ids,
               to_regprocedure('wallet.move_locked(text, text, text, numeric)') is null as retired`;
      // The two ids without files are the only rows left unchecked: nothing to compare them with.
      expect(row).toEqual({ unchecked: 2, ids: ["0001_init", "0002_money_functions", "0003_batched_moves", "0004_deposit_function"], retired: true });

      await sql`insert into wallet.account (user_id) values ('upgraded')`;
      const [credit] = await sql<{ result: string; balance: string }[]>`
        select result, balance::text from wallet.move('CREDIT', ${ulid()}, 'upgraded', 5)`;
      expect(credit).toEqual({ result: "applied", balance: "5.00" });
      expect(await migrate(sql)).toEqual({ applied: [] });
    });
  });
});
