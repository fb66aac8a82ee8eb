/**
 * `pnpm run soak [-- --transfers N --concurrency C --minutes M]`: a long run under faults, on
 * loopback only, that stops itself (after N transfers, or M minutes of load, whichever first).
 *
 * N transfers go through HTTP at concurrency C while a schedule injects: Postgres paused
 * (SIGSTOP/SIGCONT of every server process) and its backends killed (pg_terminate_backend), DynamoDB
 * Local paused, step failures before and after their commit, duplicate stream deliveries, and one
 * full stack restart half-way (on the same data). Clients retry a 503 or a refused connection with
 * the same Idempotency-Key. At the end it checks the four invariants and that each balance equals
 * its SUCCEEDED transfers, and prints one JSON line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { State } from "../packages/core/src/saga/definition.ts";
import { startStack, type Stack } from "../packages/local/src/stack.ts";
import { createDevIssuer } from "../packages/local/src/dev-issuer.ts";
import { freePort } from "../packages/local/src/engines.ts";
import { childPids, dynamoLocalPids, postmasterPids } from "../packages/local/src/processes.ts";

const { values } = parseArgs({
  options: {
    transfers: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "32" },
    minutes: { type: "string", default: "240" },
    accounts: { type: "string", default: "20" },
  },
});
const TRANSFERS = Number(values.transfers);
const CONCURRENCY = Number(values.concurrency);
const DEADLINE = Date.now() + Number(values.minutes) * 60_000;
const ACCOUNTS = Array.from({ length: Number(values.accounts) }, (_, i) => `soak${i}`);
const BALANCE_MINOR = 100_000n; // 1000.00 each
const quiet = () => {};

const dataDir = await mkdtemp(join(tmpdir(), "ewallet-soak-"));
const issuer = await createDevIssuer();
const [apiPort, dynamoPort, postgresPort] = [await freePort(), await freePort(), await freePort()];
const start = () =>
  startStack({ port: apiPort, dynamoPort, postgresPort, dataDir, issuer, seed: ACCOUNTS, retryScale: 0.05, log: quiet, sweep: { everyMs: 30_000, stuckAfterMs: 5 * 60_000 } });

process.env.LOG_LEVEL ??= "error";
// postgres.js 3.4.9 can throw from a timer when a backend is killed mid-write (socket already null):
// counted and reported, not allowed to end the run (a Lambda would be restarted by its runtime).
let uncaughtErrors = 0;
const uncaughtSamples: string[] = [];
process.on("uncaughtException", (error) => {
  uncaughtErrors += 1;
  if (uncaughtSamples.length < 3) uncaughtSamples.push(String(error).slice(0, 200));
});
let stack: Stack = await start();
const api = `http://127.0.0.1:${apiPort}`;
const tokens = new Map(await Promise.all(ACCOUNTS.map(async (u) => [u, await issuer.sign(u, { ttlSeconds: 86_400 })] as const)));

/** The postmaster and every process it forked. */
const postgresPids = () => {
  const main = postmasterPids(postgresPort);
  return [...main, ...main.flatMap((pid) => childPids(pid))];
};
const signal = (list: number[], sig: NodeJS.Signals) => list.forEach((pid) => { try { process.kill(pid, sig); } catch { /* gone */ } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- load
const keys = new Map<string, string>(); // Idempotency-Key → transferId (every answer for one key must agree)
let violations: string[] = [];
let issued = 0;
let retriedRequests = 0;
let restarting: Promise<void> | undefined;
const startedAt = Date.now();

async function createOne(i: number) {
  const sender = ACCOUNTS[i % ACCOUNTS.length]!;
  const receiver = ACCOUNTS[(i * 7 + 1) % ACCOUNTS.length] === sender ? ACCOUNTS[(i + 1) % ACCOUNTS.length]! : ACCOUNTS[(i * 7 + 1) % ACCOUNTS.length]!;
  const key = `soak-${i}`;
  const body = JSON.stringify({ senderUserId: sender, receiverUserId: receiver, amount: `${1 + (i % 50)}.${String(i % 100).padStart(2, "0")}` });
  for (let attempt = 0; ; attempt++) {
    if (restarting) await restarting;
    try {
      const response = await fetch(`${api}/transfers`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.get(sender)}`, "content-type": "application/json", "idempotency-key": key },
        body,
        signal: AbortSignal.timeout(120_000),
      });
      if (response.status === 201) {
        const { transferId } = (await response.json()) as { transferId: string };
        const known = keys.get(key);
        if (known && known !== transferId) violations.push(`key ${key}: two transfers ${known} and ${transferId}`);
        keys.set(key, transferId);
        return;
      }
      // 503 (a store unavailable) and 408 (the request not read in time) both say: send it again.
      if (response.status !== 503 && response.status !== 408) {
        violations.push(`POST ${key}: ${response.status} ${await response.text()}`);
        return;
      }
    } catch {
      // Connection refused or reset (a restart): retry with the same key.
    }
    retriedRequests += 1;
    await sleep(Math.min(2000, 50 * 2 ** Math.min(attempt, 6)) * Math.random());
  }
}

async function worker() {
  while (issued < TRANSFERS && Date.now() < DEADLINE) await createOne(issued++);
}

// ---------------------------------------------------------------- faults on a schedule
const injected: Record<string, number> = { postgresPauses: 0, backendKills: 0, dynamoPauses: 0, duplicateDeliveries: 0, restarts: 0 };
function stepFaults() {
  for (const state of [State.DebitSender, State.CreditReceiver, State.CompleteTransfer, State.RefundSender, State.ReverseCredit, State.StartTransfer]) {
    for (const when of ["before", "after"] as const) stack.saga.injectFault({ state, when, times: Infinity, probability: 0.01 });
  }
}
stepFaults();

let loadDone = false;
const schedule = (async () => {
  let tick = 0;
  while (!loadDone) {
    await sleep(5_000);
    if (loadDone) break;
    tick += 1;
    if (restarting) continue;
    if (tick % 6 === 1) {
      signal(postgresPids(), "SIGSTOP");
      await sleep(3_000);
      signal(postgresPids(), "SIGCONT");
      injected.postgresPauses! += 1;
    } else if (tick % 6 === 3) {
      const { db } = await import("../packages/core/src/wallet/client.ts");
      await db()`select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and datname = current_database() and backend_type = 'client backend'`.catch(() => {});
      injected.backendKills! += 1;
    } else if (tick % 6 === 5) {
      const java = dynamoLocalPids(dynamoPort);
      signal(java, "SIGSTOP");
      await sleep(3_000);
      signal(java, "SIGCONT");
      injected.dynamoPauses! += 1;
    }
  }
})();
const duplicates = (async () => {
  while (!loadDone) {
    await sleep(50);
    const record = stack.pipe.delivered.at(-1 - Math.floor(Math.random() * 20));
    if (!restarting && record && stack.pipe.deliver(record)) injected.duplicateDeliveries! += 1;
  }
})();
// One full restart half-way through the load, on the same data.
const restart = (async () => {
  while (!loadDone && issued < TRANSFERS / 2 && Date.now() < DEADLINE - (DEADLINE - startedAt) / 2) await sleep(200);
  if (loadDone) return;
  restarting = (async () => {
    await stack.stop();
    stack = await start();
    stepFaults();
    injected.restarts! += 1;
  })();
  await restarting;
  restarting = undefined;
})();

await Promise.all(Array.from({ length: CONCURRENCY }, worker));
await restart;
loadDone = true;
await Promise.all([schedule, duplicates]);
const loadSeconds = (Date.now() - startedAt) / 1000;
stack.saga.clearFaults();
await stack.quiesce();

// ---------------------------------------------------------------- verdict
const { Dynamo } = await import("../packages/core/src/transfer/entities.ts");
const { Wallet } = await import("../packages/core/src/wallet/wallet.ts");
const { toMinor } = await import("../packages/core/src/money.ts");
// Every transfer item, read back from the table (a scan: this is a check, not an API).
const transfers = (await Dynamo.service().entities.transfer.scan.go({ pages: "all", consistent: true })).data;

const counts: Record<string, number> = {};
const expected = new Map<string, bigint>(ACCOUNTS.map((u) => [u, BALANCE_MINOR]));
let longestWaitMs = 0;
for (const t of transfers) {
  counts[t.status] = (counts[t.status] ?? 0) + 1;
  if (t.status === "SUCCEEDED") {
    expected.set(t.senderUserId, expected.get(t.senderUserId)! - toMinor(t.amount));
    expected.set(t.receiverUserId, expected.get(t.receiverUserId)! + toMinor(t.amount));
  }
  if (t.status !== "PENDING" && t.status !== "PROCESSING") longestWaitMs = Math.max(longestWaitMs, Date.parse(t.updatedAt) - Date.parse(t.createdAt));
  else violations.push(`${t.transferId} left ${t.status}`); // 3
}
const totals = await Wallet.totals();
if (!totals.conserved || totals.inTransit !== "0.00") violations.push(`conservation: ${JSON.stringify(totals)}`); // 1, 2
for (const [userId, minor] of expected) {
  const account = await Wallet.account(userId);
  if (!account || toMinor(account.balance) !== minor) violations.push(`${userId}: balance ${account?.balance} ≠ its SUCCEEDED transfers`);
}
if (transfers.length !== keys.size) violations.push(`${keys.size} keys accepted, ${transfers.length} transfers stored`); // 4
if (new Set(keys.values()).size !== keys.size) violations.push("one transfer for two keys");

console.log(
  JSON.stringify({
    transfers: transfers.length,
    concurrency: CONCURRENCY,
    statuses: counts,
    violations: violations.length,
    ...(violations.length ? { firstViolations: violations.slice(0, 5) } : {}),
    transfersPerSecond: Math.round((transfers.length / loadSeconds) * 10) / 10,
    longestWaitSeconds: Math.round(longestWaitMs / 100) / 10,
    retriedRequests,
    injected,
    uncaughtErrors,
    ...(uncaughtErrors ? { uncaughtSamples } : {}),
  }),
);
await stack.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(violations.length ? 1 : 0);
