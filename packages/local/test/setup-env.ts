/**
 * Runs before every test file: gives the file its own Postgres database and its own
 * DynamoDB table inside the shared engines, and exposes them the way Lambda sees
 * them (SST_RESOURCE_* values, AWS endpoint variables). Core is imported only after
 * the environment is set, because SST's `Resource` reads it at import time.
 */
import { inject } from "vitest";
import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { resourceEnvironment } from "../src/resource-environment.ts";

const engines = inject("engines");
const suffix = randomBytes(6).toString("hex");
const database = `test_${suffix}`;

const admin = postgres({ ...engines.postgres, max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${database}`);
await admin.end();

Object.assign(process.env, resourceEnvironment({ dynamoEndpoint: engines.dynamoEndpoint, postgres: { ...engines.postgres, database }, tableName: `transfers_${suffix}` }));

// wallet: apply the SQL migrations to this file's database (a short-lived client, so no pool outlives setup).
{
  const { migrate } = await import("../../core/src/wallet/migrate.ts");
  const sql = postgres({ ...engines.postgres, database, max: 1, onnotice: () => {} });
  try {
    await migrate(sql);
  } finally {
    await sql.end();
  }
}
// transfer: create this file's DynamoDB table (with its stream), named by SST_RESOURCE_Transfers above.
await (await import("../src/dynamo-table.ts")).ensureTable();
