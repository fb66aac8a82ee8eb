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
 * BENCH_TRANSFERS (default 1000), BENCH_CLIENTS (default 32), BENCH_WARMUP_TRANSFERS (default 1500, not measured;
 * DynamoDB Local's JIT needs them), BENCH_DYNAMO=in-memory|durable (default in-memory: DynamoDB Local's
 * -inMemory, as the tests run it; durable: tables in files, as `pnpm start` keeps them),
 * BENCH_CPU_PROFILE=<file.cpuprofile>: node's CPU profile of the measured pipeline run only (open it in Chrome's DevTools).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import http from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { DYNAMO_READS, DYNAMO_WRITES, STREAM_CALLS, cpuMeter, wire } from "./bench-wire.ts";
import { hotAccounts } from "./bench-hot.ts";
import { startDynamo, startPostgres, type Engine } from "./engines.ts";
import { DEMO_USERS, resourceEnvironment, startRuntime } from "./stack.ts";

const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const WARMUP_TRANSFERS = Number(process.env.BENCH_WARMUP_TRANSFERS ?? 1500);
const WARMUP_ROUND_TRANSFERS = 500;
const ONLY = process.env.BENCH_ONLY;
const DYNAMO_MODE = process.env.BENCH_DYNAMO ?? "in-memory";
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;

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

/**
 * The load generator's POST: node:http on keep-alive sockets. The clients share the process (and
 * its CPU figure) with the system they measure, so they should cost as little as a client can:
 * fetch (undici, web streams) cost about 0.8 ms more of node's CPU per transfer.
 */
const clientAgent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
function postJson(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", agent: clientAgent, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        } catch (error) {
          reject(error);
        }
      });
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function pipeline(dynamoEndpoint: string, dynamoPort: number, postgresPort: number) {
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
  const drive = (count: number) => {
    next = 0;
    return Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < count) {
          next += 1;
          const sender = DEMO_USERS[Math.floor(Math.random() * DEMO_USERS.length)]!;
          const others = DEMO_USERS.filter((u) => u !== sender);
          const receiver = others[Math.floor(Math.random() * others.length)]!;
          const t0 = performance.now();
          const response = await postJson(
            `${runtime.apiUrl}/transfers`,
            { authorization: `Bearer ${tokens.get(sender)}`, "idempotency-key": randomUUID() },
            JSON.stringify({ senderUserId: sender, receiverUserId: receiver, amount: "0.01" }),
          );
          const body = response.body as { transferId?: string };
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
  };
  // Warm-up, not measured, in rounds whose CPU per transfer is printed: until DynamoDB Local's JIT
  // has compiled its hot paths (≈ 500 transfers with C1, as engines.ts runs it; ≈ 3,000 with C2) it
  // spends two to four times the CPU of its steady state per transfer.
  const warmupMeter = cpuMeter(dynamoPort, postgresPort);
  const warmupRounds: { transfers: number; perS: number; dynamoLocalCpuMs: number; nodeCpuMs: number }[] = [];
  for (let warmed = 0; warmed < WARMUP_TRANSFERS; ) {
    const count = Math.min(WARMUP_ROUND_TRANSFERS, WARMUP_TRANSFERS - warmed);
    const [cpuStart, roundStarted] = [warmupMeter(), performance.now()];
    await drive(count);
    const cpuEnd = warmupMeter();
    warmupRounds.push({
      transfers: count,
      perS: round((count * 1000) / (performance.now() - roundStarted), 1),
      dynamoLocalCpuMs: round((cpuEnd.dynamoLocalMs - cpuStart.dynamoLocalMs) / count),
      nodeCpuMs: round((cpuEnd.nodeMs - cpuStart.nodeMs) / count),
    });
    warmed += count;
  }
  print({ bench: "pipeline-warmup", transfers: WARMUP_TRANSFERS, rounds: warmupRounds });
  // The ceiling is measured warm too (DynamoDB Local's write path is the one the warm-up compiled).
  const ceilingWriteRate = await conditionalWriteRate(dynamoEndpoint);
  [latencies, outcomes, refused] = [[], new Map(), 0];
  const profiler = CPU_PROFILE ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.start");
  }
  const cpu = cpuMeter(dynamoPort, postgresPort);
  const cpuBefore = cpu();
  wire.reset();
  wire.counting = true;
  const started = performance.now();
  await drive(TRANSFERS);
  const elapsedMs = performance.now() - started;
  wire.counting = false;
  const cpuAfter = cpu();
  if (profiler) {
    const { profile } = await profiler.post("Profiler.stop");
    await writeFile(CPU_PROFILE!, JSON.stringify(profile));
    profiler.disconnect();
  }
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
    dynamoDbLocal: DYNAMO_MODE,
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
let dynamoDataDir: string | undefined;
try {
  if (DYNAMO_MODE !== "in-memory" && DYNAMO_MODE !== "durable") throw new Error(`BENCH_DYNAMO must be in-memory or durable, not ${DYNAMO_MODE}`);
  if (DYNAMO_MODE === "durable") dynamoDataDir = await mkdtemp(join(tmpdir(), "ewallet-bench-dynamo-"));
  // LOG_LEVEL: steps and requests log a JSON line each; the bench prints only its figures.
  process.env.LOG_LEVEL ??= "error";
  const [dynamo, pgEngine] = await Promise.all([startDynamo({ dataDir: dynamoDataDir }), startPostgres({ databaseUrl: process.env.DATABASE_URL })]);
  engines.push(dynamo, pgEngine);
  Object.assign(process.env, resourceEnvironment({ dynamoEndpoint: dynamo.info.endpoint, postgres: pgEngine.info, tableName: "bench-transfers" }));
  print({ bench: "engines", dynamo: dynamo.info.endpoint, postgres: `${pgEngine.info.host}:${pgEngine.info.port}`, dynamoDbLocal: DYNAMO_MODE === "durable" ? "durable (-dbPath, as pnpm start)" : "in-memory (-inMemory, as the tests)", postgresMode: process.env.DATABASE_URL ? "DATABASE_URL" : "embedded, durable (fsync on)", cpus: cpus().length });
  if (ONLY !== "pipeline") await hotAccounts();
  if (ONLY !== "hot") await pipeline(dynamo.info.endpoint, Number(new URL(dynamo.info.endpoint).port), pgEngine.info.port);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await Promise.all(engines.map((engine) => engine.stop().catch(() => {})));
  if (dynamoDataDir) await rm(dynamoDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
