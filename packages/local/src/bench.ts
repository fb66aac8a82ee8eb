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
 * BENCH_TRANSFERS (default 1000), BENCH_CLIENTS (default 32).
 */
import net from "node:net";
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { startDynamo, startPostgres, type Engine } from "./engines.ts";
import { DEMO_USERS, resourceEnvironment, startRuntime } from "./stack.ts";

const HOT_ACCOUNTS = 10;
const HOT_CONCURRENCY = 64;
const HOT_ROUNDS = 3;
const HOT_SECONDS = Number(process.env.BENCH_HOT_SECONDS ?? 2);
const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const ONLY = process.env.BENCH_ONLY;

const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ wire counters
/**
 * Counts requests per server port by watching client sockets: a write after the socket has
 * read something since its previous write (or its first write) starts a new round trip.
 * For HTTP (DynamoDB) that is one request; the X-Amz-Target header names the operation.
 */
const wire = {
  ports: new Map<number, { roundTrips: number; targets: Map<string, number> }>(),
  counting: false,
  watch(port: number) {
    const counter = { roundTrips: 0, targets: new Map<string, number>() };
    this.ports.set(port, counter);
    return counter;
  },
  reset() {
    for (const counter of this.ports.values()) {
      counter.roundTrips = 0;
      counter.targets.clear();
    }
  },
};
const lastRead = new WeakMap<net.Socket, number>();
// A request written on a socket still connecting has no remotePort yet: remember where it connects.
const connectPort = new WeakMap<net.Socket, number>();
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const port = typeof first === "object" && first !== null ? (first as { port?: unknown }).port : first;
  if (port !== undefined && Number.isInteger(Number(port))) connectPort.set(this, Number(port));
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
const originalWrite = net.Socket.prototype.write;
net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
  const counter = wire.counting ? wire.ports.get(this.remotePort ?? connectPort.get(this) ?? -1) : undefined;
  if (counter && lastRead.get(this) !== this.bytesRead) {
    lastRead.set(this, this.bytesRead);
    counter.roundTrips += 1;
    const head = typeof chunk === "string" ? chunk.slice(0, 2000) : Buffer.isBuffer(chunk) ? chunk.subarray(0, 2000).toString("latin1") : "";
    const target = /x-amz-target:\s*\w+\.(\w+)/i.exec(head)?.[1];
    if (target) counter.targets.set(target, (counter.targets.get(target) ?? 0) + 1);
  }
  return (originalWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof net.Socket.prototype.write;

const DYNAMO_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"]);
const DYNAMO_READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
const STREAM_CALLS = new Set(["GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"]);

// ------------------------------------------------------------------ (a) hot accounts
type Op = "raw" | "debit" | "credit" | "debit batched" | "credit batched";
const OPS: Op[] = ["raw", "debit", "credit", "debit batched", "credit batched"];

async function hotAccounts(postgresInfo: { database: string }) {
  process.env.WALLET_POOL_MAX = String(HOT_CONCURRENCY);
  const { Wallet } = await import("@ewallet/core/wallet/wallet");
  const { newTransferId } = await import("@ewallet/core/transfer/create");
  const { db, closeDb } = await import("@ewallet/core/wallet/client");
  const { migrate } = await import("@ewallet/core/wallet/migrate");
  await migrate();
  const users = Array.from({ length: HOT_ACCOUNTS }, (_, i) => `hot-${i}`);
  for (const userId of users) {
    await Wallet.openAccount({ userId });
    await Wallet.deposit({ reference: `bench-hot-${userId}`, userId, amount: "1000000.00" });
  }
  const sql = db();
  // Open the whole pool before measuring.
  await Promise.all(Array.from({ length: HOT_CONCURRENCY }, () => sql`select 1`));

  // The sampler's own connection: how many backends hold a lock, at ~5 ms intervals.
  const sampler = postgres({ ...JSON.parse(process.env.SST_RESOURCE_Postgres!), max: 1, onnotice: () => {} });
  const run: Record<Op, (userId: string) => Promise<unknown>> = {
    raw: (userId) => sql`update wallet.account set balance = balance + 0.01 where user_id = ${userId}`,
    debit: (userId) => Wallet.debit({ transferId: newTransferId(), userId, amount: "0.01" }),
    credit: (userId) => Wallet.credit({ transferId: newTransferId(), userId, amount: "0.01" }),
    "debit batched": (userId) => Wallet.debit({ transferId: newTransferId(), userId, amount: "0.01" }),
    "credit batched": (userId) => Wallet.credit({ transferId: newTransferId(), userId, amount: "0.01" }),
  };
  const totals = Object.fromEntries(OPS.map((op) => [op, { ops: 0, errors: 0, ms: 0, holderSamples: 0, holderSum: 0, roundTrips: 0 }])) as Record<
    Op,
    { ops: number; errors: number; ms: number; holderSamples: number; holderSum: number; roundTrips: number }
  >;
  const pgWire = wire.watch(JSON.parse(process.env.SST_RESOURCE_Postgres!).port as number);
  let firstError: unknown;

  async function measure(op: Op, seconds: number, record: boolean) {
    // One operation per transaction (as a Lambda runs it), or batched per account (see wallet.ts).
    process.env.WALLET_BATCH_MAX = op.endsWith("batched") ? "" : "1";
    const deadline = Date.now() + seconds * 1000;
    let ops = 0;
    let errors = 0;
    let sampling = true;
    let samples = 0;
    let holders = 0;
    const sampling$ = (async () => {
      while (sampling) {
        // A backend holds a row lock once it has an xid (its lock or update assigned one) and
        // is not itself waiting for a lock; it lets go at commit.
        const [row] = await sampler<{ holders: number }[]>`
          select count(*)::int as holders from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and backend_xid is not null and wait_event_type is distinct from 'Lock'`;
        samples += 1;
        holders += row!.holders;
        await sleep(5);
      }
    })();
    wire.reset();
    wire.counting = true;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: HOT_CONCURRENCY }, async (_, worker) => {
        for (let i = worker; Date.now() < deadline; i++) {
          try {
            await run[op](users[i % HOT_ACCOUNTS]!);
            ops += 1;
          } catch (error) {
            errors += 1;
            firstError ??= error;
          }
        }
      }),
    );
    const ms = performance.now() - started;
    sampling = false;
    await sampling$;
    wire.counting = false;
    if (!record) return;
    const total = totals[op];
    total.ops += ops;
    total.errors += errors;
    total.ms += ms;
    total.holderSamples += samples;
    total.holderSum += holders;
    // The sampler's own queries went to the same port: one round trip each.
    total.roundTrips += pgWire.roundTrips - samples;
  }

  // Warm up each path, then interleave rounds so background load hits all three alike.
  for (const op of OPS) await measure(op, 0.5, false);
  for (let r = 0; r < HOT_ROUNDS; r++) {
    const order = r % 2 === 0 ? OPS : [...OPS].reverse();
    for (const op of order) await measure(op, HOT_SECONDS, true);
  }
  await sampler.end();

  const rate = (op: Op) => (totals[op].ops * 1000) / totals[op].ms;
  // Little's law: mean number of lock holders = rate × mean hold time.
  const lockHoldMs = (op: Op) => ((totals[op].holderSum / Math.max(totals[op].holderSamples, 1)) / rate(op)) * 1000;
  const raw = rate("raw");
  for (const op of OPS.filter((o) => o !== "raw")) {
    print({
      bench: "hot-accounts",
      op: `Wallet.${op.split(" ")[0]}`,
      mode: op.endsWith("batched") ? "batched per account (one transaction for the operations waiting on an account)" : "one operation per transaction",
      accounts: HOT_ACCOUNTS,
      concurrency: HOT_CONCURRENCY,
      seconds: round((totals[op].ms / 1000), 1),
      ratePerS: Math.round(rate(op)),
      lockHoldMs: round(lockHoldMs(op), 3),
      postgresRoundTripsPerOp: round(totals[op].roundTrips / Math.max(totals[op].ops, 1)),
      errors: totals[op].errors,
      ceiling: "raw single-statement UPDATE, same 10 rows, same pool",
      ceilingRatePerS: Math.round(raw),
      ceilingLockHoldMs: round(lockHoldMs("raw"), 3),
      ceilingPostgresRoundTripsPerOp: round(totals.raw.roundTrips / Math.max(totals.raw.ops, 1)),
      ratio: round(rate(op) / raw),
    });
  }
  if (firstError) print({ bench: "hot-accounts", firstError: String(firstError) });
  await closeDb();
  delete process.env.WALLET_POOL_MAX;
  delete process.env.WALLET_BATCH_MAX;
  void postgresInfo;
}

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
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  let next = 0;
  let refused = 0;
  wire.reset();
  wire.counting = true;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < TRANSFERS) {
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
  const elapsedMs = performance.now() - started;
  wire.counting = false;

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
  print({ bench: "engines", dynamo: dynamo.info.endpoint, postgres: `${pgEngine.info.host}:${pgEngine.info.port}`, durable: !process.env.DATABASE_URL, cpus: (await import("node:os")).cpus().length });
  if (ONLY !== "pipeline") await hotAccounts(pgEngine.info);
  if (ONLY !== "hot") await pipeline(dynamo.info.endpoint, Number(new URL(dynamo.info.endpoint).port), pgEngine.info.port);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await Promise.all(engines.map((engine) => engine.stop().catch(() => {})));
}
process.exit(exitCode);
