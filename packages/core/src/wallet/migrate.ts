/**
 * Applies the wallet's SQL migrations: every `.sql` file of the directory, in name
 * order, each in its own transaction together with its row in wallet.schema_migration.
 * Several runners at once (Lambdas on deploy, test workers) are safe: each migration
 * transaction first takes one transaction-scoped advisory lock, then re-checks
 * whether the file is already recorded.
 */
import type postgres from "postgres";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { db, toWalletError } from "./client.ts";

/** Arbitrary but fixed: every runner must contend for the same advisory lock. */
const MIGRATION_LOCK_KEY = 725_319_041;

export interface MigrateOptions {
  /** Directory holding the `.sql` files; default: ./migrations/ next to this module. */
  dir?: URL | string;
}

export interface MigrateResult {
  /** Ids (file names without `.sql`) applied by this call, in order. */
  applied: string[];
}

function toPath(dir: URL | string): string {
  if (dir instanceof URL) return fileURLToPath(dir);
  return dir.startsWith("file:") ? fileURLToPath(dir) : dir;
}

async function appliedIds(sql: postgres.Sql): Promise<Set<string>> {
  const [exists] = await sql<{ present: boolean }[]>`
    select to_regclass('wallet.schema_migration') is not null as present`;
  if (!exists?.present) return new Set();
  const rows = await sql<{ id: string }[]>`select id from wallet.schema_migration`;
  return new Set(rows.map((r) => r.id));
}

export async function migrate(sql: postgres.Sql = db(), options: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = toPath(options.dir ?? new URL("./migrations/", import.meta.url));
  const files = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const applied: string[] = [];
  try {
    // Unlocked read first: the common case (everything applied) costs no lock at all.
    const done = await appliedIds(sql);
    for (const file of files) {
      const id = file.slice(0, -".sql".length);
      if (done.has(id)) continue;
      const text = await readFile(join(dir, file), "utf8");
      const didApply = await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint)`;
        await tx.unsafe(`
          create schema if not exists wallet;
          create table if not exists wallet.schema_migration (
            id text primary key,
            applied_at timestamptz not null default now()
          );`);
        // Re-check under the lock: another runner may have applied it meanwhile.
        const [already] = await tx`select 1 from wallet.schema_migration where id = ${id}`;
        if (already) return false;
        // No parameters: postgres.js sends this as a simple query, so a file may hold many statements.
        await tx.unsafe(text);
        await tx`insert into wallet.schema_migration (id) values (${id})`;
        return true;
      });
      if (didApply) applied.push(id);
    }
  } catch (error) {
    throw toWalletError(error);
  }
  return { applied };
}
