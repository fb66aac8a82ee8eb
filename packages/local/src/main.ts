/** `pnpm start`: the whole system offline, until Ctrl-C. */
import { DEMO_OPERATOR, DEMO_PASSWORD, DEMO_USERS, startStack, type Stack } from "./stack.ts";
import { createDevIssuer, DEV_KEY_FILE } from "./dev-issuer.ts";
import { startDashboard, type Dashboard } from "./web.ts";
import { assertPortFree, StartError } from "./engines.ts";
import { DEFAULT_STUCK_AFTER_MINUTES } from "@ewallet/core/saga/document";

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's own git-ignored .data/ (EWALLET_DATA_DIR overrides it): data survives a restart. */
const dataDir = resolve(process.env.EWALLET_DATA_DIR || join(dirname(fileURLToPath(import.meta.url)), "../../../.data"));
const reset = process.argv.includes("--reset");
const port = Number(process.env.PORT ?? 3000);
const dashboardPort = Number(process.env.DASHBOARD_PORT ?? 5173);
const started = Date.now();
let stack: Stack | undefined;
let dashboard: Dashboard | undefined;

/** Stops what runs, newest first: the dashboard, the API, the pipe, then sagas drain, then the engines. */
async function stopAll() {
  await dashboard?.stop();
  await stack?.stop();
}

/** A failed start: one line saying what to do, nothing left running, a non-zero exit. */
async function failStart(error: unknown): Promise<never> {
  const line = error instanceof StartError ? error.message : `unexpected error: ${(error as Error)?.stack ?? String(error)}`;
  console.error(`pnpm start failed: ${line.replace(/\s*\n\s*/g, " ").trim()}`);
  await stopAll().catch(() => {});
  process.exit(1);
}

console.log("Starting DynamoDB Local, Postgres, the saga runtime and the API…");
try {
  // Checked first, so a taken port fails in a second instead of after the engines started.
  await assertPortFree(port, "API", "PORT");
  await assertPortFree(dashboardPort, "dashboard", "DASHBOARD_PORT");

  if (reset) {
    // A clean start: transfers, balances and executions in flight go (the token key stays).
    await Promise.all(["dynamodb", "postgres", "executions.jsonl"].map((name) => rm(join(dataDir, name), { recursive: true, force: true })));
    console.log(`--reset: removed the data in ${dataDir}`);
  }
  // List cursors are signed with a key of this installation's own (the cloud's is a per-stage secret).
  if (!process.env.LIST_CURSOR_SECRET) {
    const keyFile = join(dataDir, "list-cursor.key");
    await mkdir(dataDir, { recursive: true });
    const existing = await readFile(keyFile, "utf8").catch(() => "");
    if (!existing) await writeFile(keyFile, randomBytes(32).toString("base64url"), { mode: 0o600 });
    process.env.LIST_CURSOR_SECRET = existing || (await readFile(keyFile, "utf8"));
  }
  // The key persists in .data/ so `pnpm run token` signs tokens this API accepts.
  const issuer = await createDevIssuer({ keyFile: DEV_KEY_FILE });
  stack = await startStack({
    port,
    issuer,
    // As the cloud's StuckSweep cron: restart, redrive or flag transfers stuck for 15 minutes.
    sweep: { everyMs: 60_000, stuckAfterMs: DEFAULT_STUCK_AFTER_MINUTES * 60_000 },
    databaseUrl: process.env.DATABASE_URL,
    dataDir,
    seed: DEMO_USERS,
    log: (line) => console.log(JSON.stringify({ at: new Date().toISOString(), ...line })),
  });

  // The dashboard holds no token: operators and users sign in (the development issuer's InitiateAuth).
  dashboard = await startDashboard({ port: dashboardPort, apiUrl: stack.apiUrl, auth: stack.auth });

  console.log(`
Ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  Dashboard      ${dashboard.url}   (sign in as ${DEMO_OPERATOR}, or a demo user; password ${DEMO_PASSWORD})
  Sign-in        ${stack.auth.url}   (Cognito InitiateAuth, app client ${stack.auth.clientId})
  API            ${stack.apiUrl}        (OpenAPI: ${stack.apiUrl}/openapi.json)
  DynamoDB Local ${stack.dynamoEndpoint}
  Postgres       postgres://${stack.postgres.username}@${stack.postgres.host}:${stack.postgres.port}/${stack.postgres.database}
  Demo wallets   ${DEMO_USERS.join(", ")} (1000.00 each)
  Data           ${dataDir} (kept between runs; pnpm start --reset starts clean)

Try (every call needs a token: pnpm run token <userId> [--admin]):
  TOKEN=$(pnpm run token alice)
  curl -s -X POST ${stack.apiUrl}/transfers -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -H "Idempotency-Key: $(date +%s%N)" -d '{"senderUserId":"alice","receiverUserId":"bob","amount":"10.00"}'
  curl -s ${stack.apiUrl}/accounts/alice -H "authorization: Bearer $TOKEN"

Ctrl-C stops everything.`);
} catch (error) {
  await failStart(error);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    // A second Ctrl-C: stop waiting for sagas; the exit handler kills the engines.
    console.error(`${signal} again: exiting without waiting for sagas in flight.`);
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: stopping (sagas in flight finish first; Ctrl-C again to force)…`);
  try {
    await stopAll();
    console.log("Stopped.");
    process.exit(0);
  } catch (error) {
    console.error("Shutdown failed:", error);
    process.exit(1);
  }
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
