/**
 * The wallet against a real Postgres (this file's own database, migrated by the
 * harness's setup-env.ts). Nothing is mocked: the races below are real row locks.
 */
import { afterAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { createServer } from "node:net";
import { AppError, isAppError } from "../src/error.ts";
import * as z from "../src/util/zod.ts";
import { fromMinor, normalize as normalizeAmount, toMinor } from "../src/money.ts";
import { closeDb, db, toWalletError } from "../src/wallet/client.ts";
import { Wallet, WalletError } from "../src/wallet/wallet.ts";
import { LEDGER_LIMIT_MAX } from "../src/wallet/schema.ts";
import { ulid } from "ulid";

// The pool is created lazily on first use, so this still applies: the concurrency
// tests need one connection per concurrent operation to contend for real.
process.env.WALLET_POOL_MAX = "64";

afterAll(async () => {
  await closeDb();
});

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${sequence++}`;
// The saga's money operations take transfer ids: ULIDs, as Transfer.create mints them.
const newTransferId = () => ulid();

async function newUser(deposit?: string): Promise<string> {
  const userId = unique("user");
  await Wallet.openAccount({ userId });
  if (deposit) await Wallet.deposit({ reference: unique("dep"), userId, amount: deposit });
  return userId;
}

async function balanceOf(userId: string): Promise<string> {
  const account = await Wallet.account(userId);
  if (!account) throw new Error(`no account ${userId}`);
  return account.balance;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return "OK";
}

async function inboxRow(transactionId: string) {
  const [row] = await db()<{ outcome: string; amount: string }[]>`
    select outcome, amount from wallet.inbox where transaction_id = ${transactionId}`;
  return row;
}

async function ledgerCount(transferId: string): Promise<number> {
  const [row] = await db()<{ n: number }[]>`
    select count(*)::int as n from wallet.ledger_entry where transfer_id = ${transferId}`;
  return row!.n;
}

/**
 * Completes debited transfers by crediting a sink account, so that every test leaves
 * no money in flight and the conservation check below can demand exactly 0.
 */
async function settle(transferIds: readonly string[], amount: string) {
  const sink = await newUser();
  await Promise.all(transferIds.map((transferId) => Wallet.credit({ transferId, userId: sink, amount })));
}

/** Conservation holds whenever no transfer is half done (debited but neither credited nor refunded). */
async function expectInvariants() {
  expect(await Wallet.totals()).toEqual({
    sumOfBalances: "0.00",
    inTransit: "0.00",
    accountsWithLedgerMismatch: 0,
    negativeUserBalances: 0,
    drift: "0.00",
    conserved: true,
  });
}

/** Deterministic pseudo-random numbers, so a failing workload can be replayed. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("accounts and deposits", () => {
  it("opens an account idempotently, with a zero balance", async () => {
    const userId = unique("alice");
    const [first, second] = await Promise.all([Wallet.openAccount({ userId }), Wallet.openAccount({ userId })]);
    expect(first).toEqual(second);
    expect(first).toMatchObject({ userId, kind: "user", status: "open", balance: "0.00" });
    expect(await Wallet.account(userId)).toEqual(first);
    expect(await Wallet.account(unique("nobody"))).toBeUndefined();
  });

  it("deposits from the treasury once per reference", async () => {
    const userId = await newUser();
    const reference = unique("dep");
    const first = await Wallet.deposit({ reference, userId, amount: "100" });
    expect(first).toEqual({ transactionId: `DEPOSIT#${reference}`, outcome: "applied", replayed: false, amount: "100.00", balanceAfter: "100.00" });
    const again = await Wallet.deposit({ reference, userId, amount: "100.00" });
    expect(again).toEqual({ ...first, replayed: true });
    // The same reference for another amount or another wallet is a caller's bug, refused: nothing moves.
    expect(await codeOf(Wallet.deposit({ reference, userId, amount: "5" }))).toBe(WalletError.TRANSFER_MISMATCH);
    expect(await codeOf(Wallet.deposit({ reference, userId: await newUser(), amount: "100" }))).toBe(WalletError.TRANSFER_MISMATCH);
    expect(await balanceOf(userId)).toBe("100.00");
    expect(await Wallet.ledger(userId, { limit: 10 })).toHaveLength(1);
    const treasury = await Wallet.account(Wallet.TREASURY_USER_ID);
    expect(treasury?.kind).toBe("treasury");
    expect(toMinor(treasury!.balance)).toBeLessThan(0n);
    await expectInvariants();
  });

  it("refuses invalid input before touching the database", async () => {
    const userId = await newUser("1");
    for (const amount of ["1.001", "-1", "0", "1e3", "0.1 ", ""]) {
      expect(await codeOf(Wallet.debit({ transferId: newTransferId(), userId, amount }))).toBe(WalletError.INVALID_INPUT);
    }
    expect(await codeOf(Wallet.debit({ transferId: newTransferId(), userId, amount: 1 as unknown as string }))).toBe(WalletError.INVALID_INPUT);
    expect(await codeOf(Wallet.credit({ transferId: "", userId, amount: "1" }))).toBe(WalletError.INVALID_INPUT);
    // The treasury is no user: its id is not a valid UserId.
    expect(await codeOf(Wallet.debit({ transferId: newTransferId(), userId: Wallet.TREASURY_USER_ID, amount: "1" }))).toBe(WalletError.INVALID_INPUT);
    expect(await balanceOf(userId)).toBe("1.00");
  });
});

describe("debit and credit", () => {
  it("64 concurrent debits on an account that affords 26 of them: exactly 26 succeed, never below zero", async () => {
    const userId = await newUser("20.00");
    const transfers = Array.from({ length: 64 }, () => newTransferId());
    const results = await Promise.allSettled(transfers.map((transferId) => Wallet.debit({ transferId, userId, amount: "0.75" })));
    const succeeded = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(succeeded).toHaveLength(26); // floor(20.00 / 0.75)
    expect(failed).toHaveLength(38);
    for (const f of failed) expect(f.reason).toMatchObject({ code: WalletError.INSUFFICIENT_FUNDS, name: WalletError.INSUFFICIENT_FUNDS, kind: "business" });
    expect(await balanceOf(userId)).toBe("0.50");
    const entries = await Wallet.ledger(userId, { limit: LEDGER_LIMIT_MAX });
    expect(entries).toHaveLength(27);
    for (const entry of entries) expect(toMinor(entry.balanceAfter)).toBeGreaterThanOrEqual(0n);
    // Entries chain: each balance_after is the previous one plus the entry's amount.
    const oldestFirst = [...entries].reverse();
    let running = 0n;
    for (const entry of oldestFirst) {
      running += toMinor(entry.amount);
      expect(entry.balanceAfter).toBe(fromMinor(running));
    }
    // Refused debits left no inbox rows.
    const [row] = await db()<{ n: number }[]>`
      select count(*)::int as n from wallet.inbox where transaction_id = any(${transfers.map((t) => `DEBIT#${t}`)})`;
    expect(row!.n).toBe(26);
    await settle(
      transfers.filter((_, i) => results[i]!.status === "fulfilled"),
      "0.75",
    );
    await expectInvariants();
  });

  it("a repeated debit after commit returns the recorded success and moves nothing", async () => {
    const userId = await newUser("10");
    const transferId = newTransferId();
    const first = await Wallet.debit({ transferId, userId, amount: "3.25" });
    expect(first).toEqual({ transactionId: `DEBIT#${transferId}`, outcome: "applied", replayed: false, amount: "3.25", balanceAfter: "6.75" });
    const again = await Wallet.debit({ transferId, userId, amount: "3.25" });
    expect(again).toEqual({ ...first, replayed: true });
    // Even concurrent duplicates apply once.
    const burst = await Promise.all(Array.from({ length: 8 }, () => Wallet.debit({ transferId, userId, amount: "3.25" })));
    expect(burst.every((r) => r.replayed)).toBe(true);
    expect(await balanceOf(userId)).toBe("6.75");
    expect(await ledgerCount(transferId)).toBe(1);
    await settle([transferId], "3.25");
    // A retry still succeeds after the account was closed: it reports, it does not re-apply.
    await Wallet.closeAccount({ userId });
    expect((await Wallet.debit({ transferId, userId, amount: "3.25" })).replayed).toBe(true);
  });

  it("concurrent first deliveries of one debit apply it exactly once", async () => {
    const userId = await newUser("10");
    const transferId = newTransferId();
    const results = await Promise.all(Array.from({ length: 10 }, () => Wallet.debit({ transferId, userId, amount: "1" })));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await balanceOf(userId)).toBe("9.00");
    await settle([transferId], "1");
  });

  it("the same transaction id for another account or amount is a mismatch, not a replay", async () => {
    const alice = await newUser("10");
    const bob = await newUser("10");
    const transferId = newTransferId();
    await Wallet.debit({ transferId, userId: alice, amount: "1" });
    expect(await codeOf(Wallet.debit({ transferId, userId: alice, amount: "2" }))).toBe(WalletError.TRANSFER_MISMATCH);
    expect(await codeOf(Wallet.debit({ transferId, userId: bob, amount: "1" }))).toBe(WalletError.TRANSFER_MISMATCH);
    expect(await codeOf(Wallet.refund({ transferId, userId: bob }))).toBe(WalletError.TRANSFER_MISMATCH);
    expect(await balanceOf(bob)).toBe("10.00");
    await settle([transferId], "1");
    await expectInvariants();
  });

  it("credit to an unknown account → ACCOUNT_NOT_FOUND and nothing written", async () => {
    const transferId = newTransferId();
    const userId = unique("ghost");
    const error = await Wallet.credit({ transferId, userId, amount: "5" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ kind: "not_found", code: WalletError.ACCOUNT_NOT_FOUND, name: WalletError.ACCOUNT_NOT_FOUND });
    expect(await inboxRow(`CREDIT#${transferId}`)).toBeUndefined();
    expect(await ledgerCount(transferId)).toBe(0);
    expect(await Wallet.account(userId)).toBeUndefined();
    expect(await codeOf(Wallet.debit({ transferId, userId, amount: "5" }))).toBe(WalletError.ACCOUNT_NOT_FOUND);
    expect(await codeOf(Wallet.deposit({ reference: transferId, userId, amount: "5" }))).toBe(WalletError.ACCOUNT_NOT_FOUND);
    expect(await codeOf(Wallet.closeAccount({ userId }))).toBe(WalletError.ACCOUNT_NOT_FOUND);
  });

  it("compensating for a user without an account is skipped, and its tombstone holds once the account exists", async () => {
    const transferId = newTransferId();
    const userId = unique("ghost");
    const reversed = await Wallet.reverse({ transferId, userId });
    expect(reversed).toEqual({ transactionId: `REVERSE#${transferId}`, outcome: "skipped", replayed: false, amount: "0.00" });
    expect(await Wallet.refund({ transferId, userId })).toMatchObject({ outcome: "skipped", replayed: false });
    expect(await Wallet.account(userId)).toBeUndefined();
    await Wallet.openAccount({ userId });
    expect(await Wallet.reverse({ transferId, userId })).toEqual({ ...reversed, replayed: true });
    expect(await codeOf(Wallet.credit({ transferId, userId, amount: "5" }))).toBe(WalletError.TRANSFER_COMPENSATED);
    expect(await codeOf(Wallet.debit({ transferId, userId, amount: "5" }))).toBe(WalletError.TRANSFER_COMPENSATED);
    expect(await balanceOf(userId)).toBe("0.00");
  });

  it("closed account → ACCOUNT_CLOSED for debit, credit and deposit; nothing written", async () => {
    const userId = await newUser("10");
    const closed = await Wallet.closeAccount({ userId });
    expect(closed.status).toBe("closed");
    const transferId = newTransferId();
    for (const attempt of [
      () => Wallet.debit({ transferId, userId, amount: "1" }),
      () => Wallet.credit({ transferId, userId, amount: "1" }),
      () => Wallet.deposit({ reference: transferId, userId, amount: "1" }),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: "business", code: WalletError.ACCOUNT_CLOSED });
    }
    expect(await inboxRow(`DEBIT#${transferId}`)).toBeUndefined();
    expect(await inboxRow(`CREDIT#${transferId}`)).toBeUndefined();
    expect(await balanceOf(userId)).toBe("10.00");
  });
});

describe("compensations", () => {
  it("refund without a debit moves nothing, and a later debit for that transfer is refused", async () => {
    const userId = await newUser("10");
    const transferId = newTransferId();
    const refund = await Wallet.refund({ transferId, userId });
    expect(refund).toEqual({ transactionId: `REFUND#${transferId}`, outcome: "skipped", replayed: false, amount: "0.00" });
    expect(await Wallet.refund({ transferId, userId })).toEqual({ ...refund, replayed: true });
    const error = await Wallet.debit({ transferId, userId, amount: "4" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "business", code: WalletError.TRANSFER_COMPENSATED });
    expect(await inboxRow(`DEBIT#${transferId}`)).toBeUndefined();
    expect(await balanceOf(userId)).toBe("10.00");
    expect(await ledgerCount(transferId)).toBe(0);
  });

  it("a refused debit is final: it leaves a refund tombstone, so a late duplicate never applies and hears the same refusal", async () => {
    const userId = await newUser("10");
    const transferId = newTransferId();
    const refused = await Wallet.debit({ transferId, userId, amount: "25" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: "business", code: WalletError.INSUFFICIENT_FUNDS });
    expect(await inboxRow(`DEBIT#${transferId}`)).toBeUndefined();
    expect(await inboxRow(`REFUND#${transferId}`)).toMatchObject({ outcome: "skipped" });
    // Funds arrive, then an invocation of the same debit that was still in flight lands (or the
    // saga retries it, the first answer lost): it never applies, and it answers the first refusal
    // again, so the transfer fails with its real reason whichever answer the saga hears.
    await Wallet.deposit({ reference: unique("dep"), userId, amount: "100" });
    const late = await Wallet.debit({ transferId, userId, amount: "25" }).catch((e: unknown) => e);
    expect(late).toMatchObject({ kind: "business", code: WalletError.INSUFFICIENT_FUNDS });
    expect(await balanceOf(userId)).toBe("110.00");
    expect(await ledgerCount(transferId)).toBe(0);
    // A refund for it (a compensation path) finds nothing to give back.
    expect(await Wallet.refund({ transferId, userId })).toMatchObject({ outcome: "skipped", replayed: true });
    await expectInvariants();
  });

  it("refund after a debit restores the balance, and twice refunds once", async () => {
    const userId = await newUser("10");
    const transferId = newTransferId();
    await Wallet.debit({ transferId, userId, amount: "2.50" });
    expect(await balanceOf(userId)).toBe("7.50");
    const [a, b] = await Promise.all([Wallet.refund({ transferId, userId }), Wallet.refund({ transferId, userId })]);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect(a).toMatchObject({ transactionId: `REFUND#${transferId}`, outcome: "applied", amount: "2.50", balanceAfter: "10.00" });
    expect(await Wallet.refund({ transferId, userId })).toMatchObject({ outcome: "applied", replayed: true, amount: "2.50" });
    expect(await balanceOf(userId)).toBe("10.00");
    // A late debit retry only reports the debit that did happen.
    expect(await Wallet.debit({ transferId, userId, amount: "2.50" })).toMatchObject({ replayed: true, outcome: "applied" });
    expect(await balanceOf(userId)).toBe("10.00");
    expect((await Wallet.ledgerForTransfer(transferId)).map((e) => [e.kind, e.amount])).toEqual([
      ["DEBIT", "-2.50"],
      ["REFUND", "2.50"],
    ]);
  });

  it("refund is allowed on a closed account: a compensation restores the state before the saga", async () => {
    const userId = await newUser("10");
    const transferId = newTransferId();
    await Wallet.debit({ transferId, userId, amount: "4" });
    await Wallet.closeAccount({ userId });
    expect(await Wallet.refund({ transferId, userId })).toMatchObject({ outcome: "applied", balanceAfter: "10.00" });
  });

  it("reverse applied twice moves money once; reverse without credit is a tombstone for a late credit", async () => {
    const alice = await newUser("10");
    const bob = await newUser();
    const transferId = newTransferId();
    await Wallet.debit({ transferId, userId: alice, amount: "6" });
    await Wallet.credit({ transferId, userId: bob, amount: "6" });
    const first = await Wallet.reverse({ transferId, userId: bob });
    const second = await Wallet.reverse({ transferId, userId: bob });
    expect(first).toEqual({ transactionId: `REVERSE#${transferId}`, outcome: "applied", replayed: false, amount: "6.00", balanceAfter: "0.00" });
    expect(second).toEqual({ ...first, replayed: true });
    await Wallet.refund({ transferId, userId: alice });
    expect(await balanceOf(alice)).toBe("10.00");
    expect(await balanceOf(bob)).toBe("0.00");
    expect((await Wallet.ledgerForTransfer(transferId)).map((e) => `${e.kind} ${e.userId === alice ? "alice" : "bob"} ${e.amount}`)).toEqual([
      "DEBIT alice -6.00",
      "CREDIT bob 6.00",
      "REVERSE bob -6.00",
      "REFUND alice 6.00",
    ]);

    const late = newTransferId();
    expect(await Wallet.reverse({ transferId: late, userId: bob })).toMatchObject({ outcome: "skipped", amount: "0.00" });
    expect(await codeOf(Wallet.credit({ transferId: late, userId: bob, amount: "1" }))).toBe(WalletError.TRANSFER_COMPENSATED);
    expect(await balanceOf(bob)).toBe("0.00");
    await expectInvariants();
  });

  it("reverse when the receiver already spent the credit → REVERSAL_IMPOSSIBLE, nothing recorded", async () => {
    const alice = await newUser("10");
    const bob = await newUser();
    const transferId = newTransferId();
    await Wallet.debit({ transferId, userId: alice, amount: "10" });
    await Wallet.credit({ transferId, userId: bob, amount: "10" });
    const spent = newTransferId();
    await Wallet.debit({ transferId: spent, userId: bob, amount: "8" });
    await settle([spent], "8");
    const error = await Wallet.reverse({ transferId, userId: bob }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "business", code: WalletError.REVERSAL_IMPOSSIBLE, name: WalletError.REVERSAL_IMPOSSIBLE });
    expect(await inboxRow(`REVERSE#${transferId}`)).toBeUndefined();
    expect(await balanceOf(bob)).toBe("2.00");
    // Once the money is back, the same reversal goes through.
    await Wallet.deposit({ reference: unique("dep"), userId: bob, amount: "8" });
    expect(await Wallet.reverse({ transferId, userId: bob })).toMatchObject({ outcome: "applied", balanceAfter: "0.00" });
    await Wallet.refund({ transferId, userId: alice });
    expect(await balanceOf(alice)).toBe("10.00");
    await expectInvariants();
  });

  it("a debit racing its refund: either both apply or the refund is skipped and the debit refused", async () => {
    const userId = await newUser("1000");
    const transfers = Array.from({ length: 30 }, () => newTransferId());
    const outcomes = await Promise.all(
      transfers.map(async (transferId, i) => {
        const debit = () => codeOf(Wallet.debit({ transferId, userId, amount: "7" }));
        const refund = () => Wallet.refund({ transferId, userId });
        // Alternate which one is sent first so both orders happen.
        const [debitCode, refunded] =
          i % 2 === 0 ? await Promise.all([debit(), refund()]) : await Promise.all([refund(), debit()]).then(([r, d]) => [d, r] as const);
        return `${debitCode}/${refunded.outcome}`;
      }),
    );
    for (const outcome of outcomes) expect(["OK/applied", `${WalletError.TRANSFER_COMPENSATED}/skipped`]).toContain(outcome);
    expect(await balanceOf(userId)).toBe("1000.00");
    await expectInvariants();
  });

  it("a credit racing its reverse: either both apply or the reverse is skipped and the credit refused", async () => {
    const sender = await newUser("1000");
    const userId = await newUser();
    const transfers = Array.from({ length: 30 }, () => newTransferId());
    const outcomes = await Promise.all(
      transfers.map(async (transferId) => {
        await Wallet.debit({ transferId, userId: sender, amount: "3" });
        const [creditCode, reversed] = await Promise.all([
          codeOf(Wallet.credit({ transferId, userId, amount: "3" })),
          Wallet.reverse({ transferId, userId }),
        ]);
        return `${creditCode}/${reversed.outcome}`;
      }),
    );
    for (const outcome of outcomes) expect(["OK/applied", `${WalletError.TRANSFER_COMPENSATED}/skipped`]).toContain(outcome);
    expect(await balanceOf(userId)).toBe("0.00");
    await Promise.all(transfers.map((transferId) => Wallet.refund({ transferId, userId: sender })));
    expect(await balanceOf(sender)).toBe("1000.00");
    await expectInvariants();
  });
});

describe("batched moves on one account", () => {
  interface BatchRow {
    item: number;
    result: string;
    outcome: string | null;
    amount: string | null;
    balance_after: string | null;
    balance: string | null;
  }
  const batch = (userId: string, items: [type: "DEBIT" | "CREDIT", transferId: string, amount: string][]) =>
    db()<BatchRow[]>`
      select item, result, outcome, amount, balance_after, balance
      from wallet.move_batch(${userId}, ${items.map((i) => i[0])}::text[], ${items.map((i) => i[1])}::text[], ${items.map((i) => i[2])}::numeric[])
      order by item`;

  it("decides each operation alone, in order: one that would overdraw is refused, not the batch", async () => {
    const userId = await newUser("10");
    const payer = await newUser("10");
    const [t0, t1, t2, t3, t4, t5] = Array.from({ length: 6 }, () => newTransferId());
    await Wallet.debit({ transferId: t0!, userId, amount: "2.00" }); // 8.00
    await Wallet.refund({ transferId: t1!, userId }); // tombstone: a late debit of t1 must refuse
    await Wallet.debit({ transferId: t4!, userId: payer, amount: "1.50" }); // t4's money in flight
    const rows = await batch(userId, [
      ["DEBIT", t2!, "3.00"], // applied → 5.00
      ["DEBIT", t3!, "6.00"], // cannot be covered: refused alone, leaves its REFUND tombstone
      ["CREDIT", t4!, "1.50"], // applied → 6.50
      ["DEBIT", t0!, "2.00"], // recorded before: replayed
      ["DEBIT", t1!, "1.00"], // its refund came first: refused
      ["DEBIT", t2!, "3.00"], // the same key twice in one batch: applied once, then replayed
      ["DEBIT", t5!, "6.50"], // applied → 0.00
      ["DEBIT", t0!, "9.99"], // the key with another amount: a mismatch
    ]);
    expect(rows.map((r) => [r.result, r.outcome, r.amount === null ? null : normalizeAmount(r.amount), r.balance_after && normalizeAmount(r.balance_after)])).toEqual([
      ["applied", "applied", "3.00", "5.00"],
      ["insufficient", null, null, null],
      ["applied", "applied", "1.50", "6.50"],
      ["replayed", "applied", "2.00", "8.00"],
      ["compensated", null, null, null],
      ["replayed", "applied", "3.00", "5.00"],
      ["applied", "applied", "6.50", "0.00"],
      ["mismatch", null, null, null],
    ]);
    expect(await balanceOf(userId)).toBe("0.00");
    expect(await inboxRow(`REFUND#${t3}`)).toEqual({ outcome: "skipped", amount: "0.00" });
    expect(await ledgerCount(t2!)).toBe(1);
    await Wallet.deposit({ reference: unique("dep"), userId, amount: "100" });
    // t3's own refusal is answered again, even now that the funds would cover it.
    expect(await codeOf(Wallet.debit({ transferId: t3!, userId, amount: "6.00" }))).toBe(WalletError.INSUFFICIENT_FUNDS);
    await settle([t0!], "2.00");
    await settle([t2!], "3.00");
    await settle([t5!], "6.50");
    await expectInvariants();
  });

  it("concurrent moves on one account from one process share transactions, each with its own outcome", async () => {
    const shared = async () => {
      const userId = await newUser("10");
      const transfers = Array.from({ length: 40 }, () => newTransferId());
      const codes = await Promise.all(transfers.map((transferId) => codeOf(Wallet.debit({ transferId, userId, amount: "0.50" }))));
      expect(codes.filter((c) => c === "OK")).toHaveLength(20);
      expect(codes.filter((c) => c === WalletError.INSUFFICIENT_FUNDS)).toHaveLength(20);
      expect(await balanceOf(userId)).toBe("0.00");
      await settle(transfers.filter((_, i) => codes[i] === "OK"), "0.50");
      const [row] = await db()<{ transactions: number }[]>`
        select count(distinct l.xmin::text)::int as transactions
        from wallet.ledger_entry l join wallet.account a on a.id = l.account_id
        where a.user_id = ${userId} and l.kind = 'DEBIT'`;
      return row!.transactions;
    };
    expect(await shared()).toBeLessThan(20);
    process.env.WALLET_BATCH_MAX = "1";
    try {
      expect(await shared()).toBe(20);
    } finally {
      delete process.env.WALLET_BATCH_MAX;
    }
    await expectInvariants();
  });

  it("money operations refuse to run outside READ COMMITTED, where the tombstone check would race", async () => {
    const userId = await newUser("10");
    const error = await db()
      .begin("isolation level repeatable read", (tx) => tx`select * from wallet.move('DEBIT', ${newTransferId()}, ${userId}, 1)`)
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("25000");
    expect(await balanceOf(userId)).toBe("10.00");
  });
});

describe("invariants under a random concurrent workload", () => {
  it("every balance equals its ledger sum and all balances sum to 0", async () => {
    const random = prng(20240611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const users = await Promise.all(Array.from({ length: 8 }, () => newUser()));
    const ghost = unique("ghost"); // never opened: credits to it fail and get compensated
    const closing = users[7]!;
    await Promise.all(users.map((userId) => Wallet.deposit({ reference: unique("dep"), userId, amount: pick(["50", "120.35", "0.99", "300"]) })));
    await expectInvariants();

    /** The saga's money path, with duplicate deliveries and a sometimes late compensation. */
    async function transfer(transferId: string, sender: string, receiver: string, amount: string) {
      const retry = random() < 0.3;
      const debit = () => Wallet.debit({ transferId, userId: sender, amount });
      // A duplicate delivery may succeed where the first was refused (a credit landed in between): any success counts.
      const attempts = await Promise.allSettled(retry ? [debit(), debit()] : [debit()]);
      for (const a of attempts) {
        if (a.status === "rejected" && !(isAppError(a.reason) && a.reason.kind !== "transient")) throw a.reason;
      }
      const debited = attempts.some((a) => a.status === "fulfilled");
      if (!debited) {
        // A stray compensation for a failed debit moves nothing.
        if (random() < 0.3) expect((await Wallet.refund({ transferId, userId: sender })).outcome).toBe("skipped");
        return;
      }
      const credited = await Wallet.credit({ transferId, userId: receiver, amount }).then(
        () => true,
        (e: unknown) => {
          if (isAppError(e) && e.kind !== "transient") return false;
          throw e;
        },
      );
      const undo = !credited || random() < 0.15; // a later step failing also compensates
      if (!undo) return;
      if (credited) {
        const reversed = await Wallet.reverse({ transferId, userId: receiver }).then(
          () => true,
          (e: unknown) => {
            if (isAppError(e, WalletError.REVERSAL_IMPOSSIBLE)) return false;
            throw e;
          },
        );
        if (!reversed) return; // needs a person; the transfer stands as completed
      } else {
        expect((await Wallet.reverse({ transferId, userId: receiver })).outcome).toBe("skipped");
      }
      await Promise.all([Wallet.refund({ transferId, userId: sender }), Wallet.refund({ transferId, userId: sender })]);
    }

    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 240; i++) {
      const roll = random();
      const amount = fromMinor(BigInt(1 + Math.floor(random() * 4000)));
      if (i === 120) {
        work.push(Wallet.closeAccount({ userId: closing }));
      } else if (roll < 0.08) {
        work.push(
          Wallet.deposit({ reference: unique("dep"), userId: pick(users), amount }).catch((e: unknown) => {
            if (!isAppError(e, WalletError.ACCOUNT_CLOSED)) throw e;
          }),
        );
      } else if (roll < 0.1) {
        work.push(transfer(newTransferId(), pick(users), ghost, amount));
      } else {
        const sender = pick(users);
        let receiver = pick(users);
        while (receiver === sender) receiver = pick(users);
        work.push(transfer(newTransferId(), sender, receiver, amount));
      }
    }
    await Promise.all(work);

    await expectInvariants();
    // Every transfer nets to zero across its parties: completed (−a, +a) or fully compensated.
    const unbalanced = await db()`
      select transfer_id from wallet.ledger_entry where kind <> 'DEPOSIT'
      group by transfer_id having sum(amount) <> 0`;
    expect(unbalanced).toHaveLength(0);
    for (const userId of users) {
      const account = await Wallet.account(userId);
      const [latest] = await Wallet.ledger(userId, { limit: 1 });
      expect(latest?.balanceAfter).toBe(account?.balance);
    }
  });
});

describe("reads", () => {
  it("pages an account's ledger newest first", async () => {
    const userId = await newUser();
    for (const amount of ["1", "2", "3", "4", "5"]) await Wallet.deposit({ reference: unique("dep"), userId, amount });
    const page1 = await Wallet.ledger(userId, { limit: 2 });
    expect(page1.map((e) => e.amount)).toEqual(["5.00", "4.00"]);
    const page2 = await Wallet.ledger(userId, { limit: 2, before: page1[1]!.id });
    expect(page2.map((e) => e.amount)).toEqual(["3.00", "2.00"]);
    const page3 = await Wallet.ledger(userId, { limit: 2, before: page2[1]!.id });
    expect(page3.map((e) => [e.amount, e.balanceAfter, e.kind])).toEqual([["1.00", "1.00", "DEPOSIT"]]);
    expect(z.array(Wallet.LedgerEntry).safeParse(page1).success).toBe(true);
    expect(await codeOf(Wallet.ledger(userId, { limit: 0 }))).toBe(WalletError.INVALID_INPUT);
  });
});

describe("database errors", () => {
  it("maps transient failures to TRANSIENT_DATABASE_ERROR and passes everything else through", async () => {
    for (const code of ["40001", "40P01", "55P03", "57014", "53300", "57P01", "08006", "08001", "ECONNREFUSED", "ECONNRESET", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECT_TIMEOUT"]) {
      const mapped = toWalletError(Object.assign(new Error("boom"), { code }));
      expect(mapped).toMatchObject({ kind: "transient", code: "TRANSIENT_DATABASE_ERROR", name: "TRANSIENT_DATABASE_ERROR" });
    }
    const constraint = Object.assign(new Error("check violated"), { code: "23514" });
    expect(toWalletError(constraint)).toBe(constraint);
    const business = new AppError("business", WalletError.INSUFFICIENT_FUNDS, "no");
    expect(toWalletError(business)).toBe(business);
    expect(toWalletError("weird")).toBe("weird");
  });

  it("a real lock timeout surfaces as the transient error", async () => {
    const userId = await newUser("5");
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let lockTaken = () => {};
    const locked = new Promise<void>((resolve) => (lockTaken = resolve));
    const holding = db().begin(async (tx) => {
      await tx`select 1 from wallet.account where user_id = ${userId} for update`;
      lockTaken();
      await released;
    });
    await locked;
    const error = await db()
      .begin(async (tx) => {
        await tx`set local lock_timeout = '50ms'`;
        await tx`select 1 from wallet.account where user_id = ${userId} for update`;
      })
      .catch((e: unknown) => toWalletError(e));
    release();
    await holding;
    expect(error).toMatchObject({ kind: "transient", code: "TRANSIENT_DATABASE_ERROR" });
  });

  it("a refused connection surfaces as the transient error", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
      });
    });
    const nowhere = postgres({ host: "127.0.0.1", port, max: 1, connect_timeout: 2, onnotice: () => {} });
    const error = await nowhere`select 1`.catch((e: unknown) => toWalletError(e));
    await nowhere.end({ timeout: 0 });
    expect(error).toMatchObject({ kind: "transient", code: "TRANSIENT_DATABASE_ERROR" });
  });
});
