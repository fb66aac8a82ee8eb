/**
 * `pnpm run bench`: throughput on the offline engines (DynamoDB Local + embedded Postgres,
 * durable settings as `pnpm start` runs them). Prints one JSON line per measurement, each
 * beside its ceiling measured in the same run, so ratios hold even on a busy machine.
 *
 *   (a) hot accounts: Wallet.debit / Wallet.credit on 10 accounts at 64-way concurrency vs the
 *       raw single-statement UPDATE on the same 10 rows; lock hold time measured by sampling
 *       pg_stat_activity (Little's law: mean lock holders / operation rate).
 *   (b) pipeline: transfers of 0.01 among the demo wallets through HTTP → stream → pipe → saga,
 *       closed loop of N clients; DynamoDB calls and Postgres round trips per transfer are
 *       counted on the wire; ceiling = DynamoDB Local's conditional-write rate / writes per transfer.
 *
 * Options (environment): BENCH_ONLY=hot|pipeline, BENCH_HOT_SECONDS (per round, default 2),
 * BENCH_TRANSFERS (default 1000), BENCH_CLIENTS (default 32), BENCH_WARMUP_TRANSFERS (default 300, not measured).
 */
import { randomUUID } from "node:crypto";
import { cpus } from "node:os";
import { DYNAMO_READS, DYNAMO_WRITES, STREAM_CALLS, cpuMeter, wire } from "./bench-wire.ts";
import { hotAccounts } from "./bench-hot.ts";
import { startDynamo, startPostgres, type Engine } from "./engines.ts";
import { DEMO_USERS, resourceEnvironment, startRuntime } from "./stack.ts";

const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const WARMUP_TRANSFERS = Number(process.env.BENCH_WARMUP_TRANSFERS ?? 300);
const ONLY = process.env.BENCH_ONLY;

const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

// ------------------------------------------------------------------ (b) pipeline
async function conditionalWriteRate(endpoint: string): Promise<number> {
  const { CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand } = await import("@aws-sdk/client-dynamodb");
  const client = new DynamoDBClient({ endpoint });
  const TableName = `bench-writes-${Date.now()}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
  const deadline = Date.now() + 3000;
  let writes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < deadline) {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: { pk: { S: randomUUID() }, status: { S: "PENDING" }, amount: { S: "0.01" } },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        writes += 1;
      }
    }),
  );
  const rate = (writes * 1000) / (performance.now() - started);
  await client.send(new DeleteTableCommand({ TableName }));
  client.destroy();
  return rate;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function findTransferId(input: unknown): string | undefined {
  if (Array.isArray(input)) return findTransferId(input[0]);
  if (input && typeof input === "object") {
    const object = input as Record<string, unknown>;
    if (typeof object.transferId === "string") return object.transferId;
    for (const value of Object.values(object)) {
      const found = findTransferId(value);
      if (found) return found;
    }
  }
  return undefined;
}

async function pipeline(dynamoEndpoint: string, dynamoPort: number, postgresPort: number) {
  const ceilingWriteRate = await conditionalWriteRate(dynamoEndpoint);

  const waiting = new Map<string, (status: string) => void>();
  const finished = new Map<string, string>();
  let runtimeRef: Awaited<ReturnType<typeof startRuntime>> | undefined;
  const runtime = await startRuntime({
    seed: DEMO_USERS,
    log: (line) => {
      if (line.message !== "execution finished") {
        if (line.level === "error") print({ bench: "pipeline", log: line });
        return;
      }
      const record = runtimeRef?.saga.executions.get(String(line.executionId));
      const transferId = findTransferId(record?.input);
      if (!transferId || finished.has(transferId)) return;
      finished.set(transferId, String(line.status));
      waiting.get(transferId)?.(String(line.status));
    },
  });
  runtimeRef = runtime;
  const tokens = new Map(await Promise.all(DEMO_USERS.map(async (u) => [u, await runtime.token(u)] as const)));

  const { Wallet } = await import("@ewallet/core/wallet/wallet");
  const before = await Wallet.totals();
  const dynamo = wire.watch(dynamoPort);
  const pg = wire.watch(postgresPort);
  let latencies: number[] = [];
  let outcomes = new Map<string, number>();
  let next = 0;
  let refused = 0;
  const drive = (count: number) =>
    Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < count) {
          next += 1;
          const sender = DEMO_USERS[Math.floor(Math.random() * DEMO_USERS.length)]!;
          const others = DEMO_USERS.filter((u) => u !== sender);
          const receiver = others[Math.floor(Math.random() * others.length)]!;
          const t0 = performance.now();
          const response = await fetch(`${runtime.apiUrl}/transfers`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${tokens.get(sender)}`, "idempotency-key": randomUUID() },
            body: JSON.stringify({ senderUserId: sender, receiverUserId: receiver, amount: "0.01" }),
          });
          const body = (await response.json()) as { transferId?: string };
          if (response.status !== 201 || !body.transferId) {
            refused += 1;
            continue;
          }
          const transferId = body.transferId;
          const status = finished.get(transferId) ?? (await new Promise<string>((resolve) => waiting.set(transferId, resolve)));
          waiting.delete(transferId);
          latencies.push(performance.now() - t0);
          outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
        }
      }),
    );
  // Warm-up, not measured: DynamoDB Local's JIT and both connection pools reach steady state.
  await drive(WARMUP_TRANSFERS);
  [latencies, outcomes, next, refused] = [[], new Map(), 0, 0];
  const cpu = cpuMeter(dynamoPort, postgresPort);
  const cpuBefore = cpu();
  wire.reset();
  wire.counting = true;
  const started = performance.now();
  await drive(TRANSFERS);
  const elapsedMs = performance.now() - started;
  wire.counting = false;
  const cpuAfter = cpu();
  const cpuMsPerTransfer = {
    node: (cpuAfter.nodeMs - cpuBefore.nodeMs) / Math.max(latencies.length, 1),
    dynamoLocal: (cpuAfter.dynamoLocalMs - cpuBefore.dynamoLocalMs) / Math.max(latencies.length, 1),
    postgres: (cpuAfter.postgresMs - cpuBefore.postgresMs) / Math.max(latencies.length, 1),
  };

  const done = latencies.length;
  const per = (n: number) => round(n / Math.max(done, 1));
  const sum = (names: Set<string>) => [...dynamo.targets].filter(([name]) => names.has(name)).reduce((s, [, n]) => s + n, 0);
  const writes = sum(DYNAMO_WRITES);
  const sorted = [...latencies].sort((a, b) => a - b);
  const writesPerTransfer = writes / Math.max(done, 1);
  await runtime.quiesce();
  const after = await Wallet.totals();
  // Step retries (a transient error, or a Lambda-style timeout) stretch the tail: count them.
  const stepRetries = [...runtime.saga.executions.values()].reduce((n, e) => n + e.states.filter((s) => s.endsWith(":retry")).length, 0);
  print({
    bench: "pipeline",
    transfers: done,
    refusedByApi: refused,
    clients: CLIENTS,
    seconds: round(elapsedMs / 1000, 1),
    transfersPerS: round((done * 1000) / elapsedMs, 1),
    p50LatencyMs: Math.round(percentile(sorted, 50)),
    p99LatencyMs: Math.round(percentile(sorted, 99)),
    executions: Object.fromEntries(outcomes),
    stepRetries,
    dynamoCallsPerTransfer: per(dynamo.roundTrips),
    dynamoWritesPerTransfer: per(writes),
    dynamoReadsPerTransfer: per(sum(DYNAMO_READS)),
    streamCallsPerTransfer: per(sum(STREAM_CALLS)),
    dynamoCallsByOperation: Object.fromEntries([...dynamo.targets].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, per(n)])),
    postgresRoundTripsPerTransfer: per(pg.roundTrips),
    // What bounds a 2-core machine: CPU per transfer in each process (node runs the clients too).
    cpuMsPerTransfer: Object.fromEntries(Object.entries(cpuMsPerTransfer).map(([name, ms]) => [name, round(ms)])),
    // A second ceiling: every core busy with nothing but this pipeline's processes.
    cpuCeilingTransfersPerS: round((cpus().length * 1000) / Object.values(cpuMsPerTransfer).reduce((a, b) => a + b, 0), 1),
    ceiling: "DynamoDB Local conditional PutItem rate (same run, same client count) / writes per transfer",
    ceilingConditionalWritesPerS: Math.round(ceilingWriteRate),
    ceilingTransfersPerS: round(ceilingWriteRate / Math.max(writesPerTransfer, 1e-9), 1),
    ratio: round((done * 1000) / elapsedMs / (ceilingWriteRate / Math.max(writesPerTransfer, 1e-9))),
    // The pipeline moved money among the demo wallets only: the totals must not have changed.
    conserved:
      after.sumOfBalances === before.sumOfBalances &&
      after.inTransit === before.inTransit &&
      after.accountsWithLedgerMismatch === before.accountsWithLedgerMismatch &&
      after.negativeUserBalances === 0,
  });
  await runtime.stop();
}

// ------------------------------------------------------------------ main
const engines: Engine<unknown>[] = [];
let exitCode = 0;
try {
  // LOG_LEVEL: steps and requests log a JSON line each; the bench prints only its figures.
  process.env.LOG_LEVEL ??= "error";
  const [dynamo, pgEngine] = await Promise.all([startDynamo(), startPostgres({ databaseUrl: process.env.DATABASE_URL })]);
  engines.push(dynamo, pgEngine);
  Object.assign(process.env, resourceEnvironment({ dynamoEndpoint: dynamo.info.endpoint, postgres: pgEngine.info, tableName: "bench-transfers" }));
  print({ bench: "engines", dynamo: dynamo.info.endpoint, postgres: `${pgEngine.info.host}:${pgEngine.info.port}`, durable: !process.env.DATABASE_URL, cpus: cpus().length });
  if (ONLY !== "pipeline") await hotAccounts();
  if (ONLY !== "hot") await pipeline(dynamo.info.endpoint, Number(new URL(dynamo.info.endpoint).port), pgEngine.info.port);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await Promise.all(engines.map((engine) => engine.stop().catch(() => {})));
}
process.exit(exitCode);
