/**
 * Applies the wallet's SQL migrations, two kinds of `.sql` file in one directory:
 *   - versioned, `NNNN_name.sql`: schema changes (tables, columns, constraints), applied once each,
 *     in name order, and never edited afterwards — a changed one is refused (MIGRATION_CHANGED);
 *   - repeatable, `R__name.sql`: the SQL functions, each defined once and with `create or replace`,
 *     applied after the versioned ones whenever the file's text differs from what was last applied.
 *     Changing a function is an edit of its one definition, not a copy in a new migration.
 * Each file runs in its own transaction together with its row in wallet.schema_migration (id, the
 * sha-256 of its text). Several runners at once (Lambdas on deploy, test workers) are safe: each
 * transaction first takes one transaction-scoped advisory lock, then re-checks what is recorded.
 */
import type postgres from "postgres";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "../error.ts";
import { db, toWalletError } from "./client.ts";

/** Arbitrary but fixed: every runner must contend for the same advisory lock. */
const MIGRATION_LOCK_KEY = 725_319_041;
const VERSIONED = /^\d{4}_[\w-]+\.sql$/;
const REPEATABLE = /^R__[\w-]+\.sql$/;

export const MigrationError = {
  /** kind "conflict": an applied versioned migration's text changed; add a new migration instead. */
  MIGRATION_CHANGED: "MIGRATION_CHANGED",
  /** kind "validation": a `.sql` file named neither `NNNN_name.sql` nor `R__name.sql`. */
  MIGRATION_FILE_NAME: "MIGRATION_FILE_NAME",
} as const;

export interface MigrateOptions {
  /** Directory holding the `.sql` files; default: ./migrations/ next to this module. */
  dir?: URL | string;
}

export interface MigrateResult {
  /** Ids (file names without `.sql`) applied by this call, in order. */
  applied: string[];
}

interface MigrationFile {
  id: string;
  repeatable: boolean;
  text: string;
  checksum: string;
}

function toPath(dir: URL | string): string {
  if (dir instanceof URL) return fileURLToPath(dir);
  return dir.startsWith("file:") ? fileURLToPath(dir) : dir;
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const misnamed = names.filter((name) => !VERSIONED.test(name) && !REPEATABLE.test(name));
  if (misnamed.length > 0) {
    throw new AppError(
      "validation",
      MigrationError.MIGRATION_FILE_NAME,
      `${misnamed.join(", ")}: a migration is named NNNN_name.sql (versioned) or R__name.sql (repeatable)`,
    );
  }
  // Name order puts every NNNN_ file (digits) before every R__ file: the functions are (re)defined
  // over the schema they belong to.
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(dir, name), "utf8");
      return { id: name.slice(0, -".sql".length), repeatable: REPEATABLE.test(name), text, checksum: createHash("sha256").update(text).digest("hex") };
    }),
  );
}

/** id → recorded checksum (null: recorded before checksums were). */
async function recorded(sql: postgres.Sql | postgres.TransactionSql): Promise<Map<string, string | null>> {
  const [exists] = await sql<{ present: boolean; checksummed: boolean }[]>`
    select to_regclass('wallet.schema_migration') is not null as present,
           exists (select 1 from information_schema.columns
                   where table_schema = 'wallet' and table_name = 'schema_migration' and column_name = 'checksum') as checksummed`;
  if (!exists?.present) return new Map();
  const rows = exists.checksummed
    ? await sql<{ id: string; checksum: string | null }[]>`select id, checksum from wallet.schema_migration`
    : await sql<{ id: string; checksum: null }[]>`select id, null as checksum from wallet.schema_migration`;
  return new Map(rows.map((r) => [r.id, r.checksum]));
}

/** Whether `file` has to run, given what is recorded; throws when an applied versioned file changed. */
function pending(file: MigrationFile, done: Map<string, string | null>): boolean {
  if (!done.has(file.id)) return true;
  const checksum = done.get(file.id);
  if (file.repeatable) return checksum !== file.checksum;
  if (checksum !== null && checksum !== undefined && checksum !== file.checksum) {
    throw new AppError(
      "conflict",
      MigrationError.MIGRATION_CHANGED,
      `${file.id}.sql changed after it was applied: a versioned migration is never edited; add a new one (or, for a function, edit its R__ file)`,
    );
  }
  return false;
}

export async function migrate(sql: postgres.Sql = db(), options: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = toPath(options.dir ?? new URL("./migrations/", import.meta.url));
  const applied: string[] = [];
  try {
    const files = await readMigrations(dir);
    // Unlocked read first: the common case (everything applied) costs no lock at all.
    const done = await recorded(sql);
    const todo = files.filter((file) => pending(file, done));
    const unchecked = files.filter((file) => !file.repeatable && done.has(file.id) && done.get(file.id) === null);
    for (const file of [...todo, ...unchecked]) {
      const didApply = await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint)`;
        await tx.unsafe(`
          create schema if not exists wallet;
          create table if not exists wallet.schema_migration (
            id text primary key,
            applied_at timestamptz not null default now()
          );
          alter table wallet.schema_migration add column if not exists checksum text;`);
        // Re-check under the lock: another runner may have applied it meanwhile.
        const now = await recorded(tx);
        if (!pending(file, now)) {
          // Recorded before checksums were: from now on its text is the one to keep.
          if (now.get(file.id) === null) {
            await tx`update wallet.schema_migration set checksum = ${file.checksum} where id = ${file.id} and checksum is null`;
          }
          return false;
        }
        // No parameters: postgres.js sends this as a simple query, so a file may hold many statements.
        await tx.unsafe(file.text);
        await tx`
          insert into wallet.schema_migration (id, checksum) values (${file.id}, ${file.checksum})
          on conflict (id) do update set checksum = excluded.checksum, applied_at = now()`;
        return true;
      });
      if (didApply) applied.push(file.id);
    }
  } catch (error) {
    throw toWalletError(error);
  }
  return { applied };
}
