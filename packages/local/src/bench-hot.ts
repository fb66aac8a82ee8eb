/**
 * (a) of `pnpm run bench`: Wallet.debit / Wallet.credit on hot accounts against two ceilings measured in
 * the same run, on the same rows and pool: the raw single-statement UPDATE (the issue's), and the
 * smallest write set the guarantees need — the balance UPDATE, the inbox row (exactly once) and the
 * ledger entry (ledger = balance) — as ONE plain statement with no checks at all (no tombstone, no
 * overdraft, no replay). The second says how close the engine is to what it must write.
 */
import postgres from "postgres";
import { cpuMeter, wire } from "./bench-wire.ts";

const HOT_ACCOUNTS = 10;
const HOT_CONCURRENCY = 64;
const HOT_ROUNDS = 3;
const HOT_SECONDS = Number(process.env.BENCH_HOT_SECONDS ?? 2);

const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ (a) hot accounts
type Op = "raw" | "write set" | "debit" | "credit" | "debit batched" | "credit batched";
const OPS: Op[] = ["raw", "write set", "debit", "credit", "debit batched", "credit batched"];
const CEILINGS: Op[] = ["raw", "write set"];

export async function hotAccounts() {
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
    "write set": (userId) => {
      const transferId = newTransferId();
      return sql`
        with moved as (
          update wallet.account set balance = balance + 0.01 where user_id = ${userId} returning id, balance
        ), recorded as (
          insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
          select ${`CREDIT#${transferId}`}, 'CREDIT', ${transferId}, moved.id, 0.01, 'applied' from moved
          returning transaction_id, account_id
        )
        insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
        select recorded.account_id, recorded.transaction_id, ${transferId}, 'CREDIT', 0.01, moved.balance from recorded, moved`;
    },
    debit: (userId) => Wallet.debit({ transferId: newTransferId(), userId, amount: "0.01" }),
    credit: (userId) => Wallet.credit({ transferId: newTransferId(), userId, amount: "0.01" }),
    "debit batched": (userId) => Wallet.debit({ transferId: newTransferId(), userId, amount: "0.01" }),
    "credit batched": (userId) => Wallet.credit({ transferId: newTransferId(), userId, amount: "0.01" }),
  };
  const totals = Object.fromEntries(OPS.map((op) => [op, { ops: 0, errors: 0, ms: 0, holderSamples: 0, holderSum: 0, roundTrips: 0, postgresCpuMs: 0, nodeCpuMs: 0 }])) as Record<
    Op,
    { ops: number; errors: number; ms: number; holderSamples: number; holderSum: number; roundTrips: number; postgresCpuMs: number; nodeCpuMs: number }
  >;
  const postgresPort = JSON.parse(process.env.SST_RESOURCE_Postgres!).port as number;
  const pgWire = wire.watch(postgresPort);
  // On 2 cores, 64 clients keep Postgres' CPU busy: CPU per operation is what the ratio comes down to.
  const cpu = cpuMeter(0, postgresPort);
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
    const { postgresMs: cpuBefore, nodeMs: nodeBefore } = cpu();
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
    const after = cpu();
    const postgresCpuMs = after.postgresMs - cpuBefore;
    const nodeCpuMs = after.nodeMs - nodeBefore;
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
    total.postgresCpuMs += postgresCpuMs;
    total.nodeCpuMs += nodeCpuMs;
    // The sampler's own queries went to the same port: one round trip each.
    total.roundTrips += pgWire.roundTrips - samples;
  }

  // Warm up each path, then interleave rounds so background load hits them all alike.
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
  const cpuPerOp = (op: Op) => round(totals[op].postgresCpuMs / Math.max(totals[op].ops, 1), 3);
  // The client's side (this process: the repository, postgres.js, the lock sampler) shares the 2 cores.
  const nodeCpuPerOp = (op: Op) => round(totals[op].nodeCpuMs / Math.max(totals[op].ops, 1), 3);
  for (const op of OPS.filter((o) => !CEILINGS.includes(o))) {
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
      // Includes the lock sampler's queries (about one per 5 ms, the same for every op).
      postgresCpuMsPerOp: cpuPerOp(op),
      nodeCpuMsPerOp: nodeCpuPerOp(op),
      errors: totals[op].errors,
      ceiling: "raw single-statement UPDATE, same 10 rows, same pool",
      ceilingRatePerS: Math.round(raw),
      ceilingLockHoldMs: round(lockHoldMs("raw"), 3),
      ceilingPostgresCpuMsPerOp: cpuPerOp("raw"),
      ceilingNodeCpuMsPerOp: nodeCpuPerOp("raw"),
      ceilingPostgresRoundTripsPerOp: round(totals.raw.roundTrips / Math.max(totals.raw.ops, 1)),
      ratio: round(rate(op) / raw),
      // The write set the guarantees need, as one unchecked statement (see the top of this file).
      writeSetRatePerS: Math.round(rate("write set")),
      writeSetLockHoldMs: round(lockHoldMs("write set"), 3),
      writeSetPostgresCpuMsPerOp: cpuPerOp("write set"),
      writeSetNodeCpuMsPerOp: nodeCpuPerOp("write set"),
      ratioToWriteSet: round(rate(op) / rate("write set")),
    });
  }
  if (firstError) print({ bench: "hot-accounts", firstError: String(firstError) });
  await closeDb();
  delete process.env.WALLET_POOL_MAX;
  delete process.env.WALLET_BATCH_MAX;
}

