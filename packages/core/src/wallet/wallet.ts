/**
 * The wallet repository: balances in Postgres, moved by idempotent single-account
 * transactions (the saga's steps) and checked by the conservation invariant.
 *
 * Every money operation is ONE transaction that locks exactly ONE account row
 * (deposits: the user, then the treasury), so there are no deadlocks by construction,
 * and records itself in wallet.inbox, so a retry after commit returns the recorded
 * outcome instead of applying twice.
 *
 * The saga's operations (debit, credit, refund, reverse) are each one call of a SQL function
 * (migration 0002: wallet.move, wallet.compensate), sent as ONE statement in its own implicit
 * transaction: the row lock is taken inside it and released by the commit right after, with no
 * client round trip in between — a hot account's throughput is 1 / lock hold time. Each
 * statement inside the function takes a fresh snapshot after the lock (plpgsql in READ
 * COMMITTED), so the tombstone check (REFUND before a late DEBIT, REVERSE before a late CREDIT)
 * sees whatever committed before the lock was granted. The function decides the outcome and
 * returns it; `verdict` only maps it to an Outcome or an AppError.
 *
 * Deposits (rare, two rows) keep the older shape: `SELECT … FOR UPDATE` of both rows, then one
 * statement that re-reads everything under the locks, sent pipelined, then COMMIT.
 */
import * as z from "../util/zod.ts";
import type * as zc from "zod/v4/core";
import type postgres from "postgres";
import { AppError } from "../error.ts";
import { fn as validated } from "../util/fn.ts";
import { Amount, fromMinor, normalize, toMinor } from "../money.ts";
import { UserId } from "../user.ts";
import { db, toWalletError } from "./client.ts";

export { WalletError } from "./errors.ts";
import { WalletError } from "./errors.ts";

const TransferId = z.string({ error: "transfer id must be a string" }).check(
  z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, {
    error: "transfer id must be 1–128 characters: letters, digits, '_', '.', ':', '@', '-'",
  }),
);

/** Every Wallet function validates its input (INVALID_INPUT) and reports transient database failures as such. */
function fn<S extends zc.$ZodType, R>(schema: S, body: (input: z.output<S>) => Promise<R>) {
  return validated(schema, WalletError.INVALID_INPUT, async (input) => {
    try {
      return await body(input);
    } catch (error) {
      throw toWalletError(error);
    }
  });
}

async function wrap<R>(body: () => Promise<R>): Promise<R> {
  try {
    return await body();
  } catch (error) {
    throw toWalletError(error);
  }
}

function notFound(userId: string): AppError {
  return new AppError("not_found", WalletError.ACCOUNT_NOT_FOUND, `no wallet account for user ${userId}`);
}

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export namespace Wallet {
  /** The treasury's user id: deposits come from it. Not a valid UserId, so no user can take it. */
  export const TREASURY_USER_ID = "_treasury";

  export const Info = z.object({
    userId: z.string(),
    kind: z.enum(["user", "treasury"]),
    status: z.enum(["open", "closed"]),
    /** Decimal string, two decimals. */
    balance: z.string(),
    /** ISO 8601. */
    createdAt: z.string(),
  });
  export type Info = z.infer<typeof Info>;

  /** The same schema under the name the API's OpenAPI document uses. */
  export const AccountInfo = Info;
  export type AccountInfo = Info;

  /** 'skipped': a compensation whose original never happened (moves nothing; a tombstone). */
  export const OutcomeKind = z.enum(["applied", "skipped"]);
  export type OutcomeKind = z.infer<typeof OutcomeKind>;

  /** What every money operation returns. */
  export const Outcome = z.object({
    /** The inbox key, e.g. `DEBIT#<transferId>`. */
    transactionId: z.string(),
    outcome: OutcomeKind,
    /** True when this call found the operation already recorded and moved nothing. */
    replayed: z.boolean(),
    /** What the operation moved, as a positive decimal string ("0.00" when skipped). */
    amount: z.string(),
    /** The account's balance right after the operation (absent when skipped). */
    balanceAfter: z.optional(z.string()),
  });
  export type Outcome = z.infer<typeof Outcome>;

  export const Kind = z.enum(["DEPOSIT", "DEBIT", "CREDIT", "REFUND", "REVERSE"]);
  export type Kind = z.infer<typeof Kind>;

  export const LedgerEntry = z.object({
    /** Monotonic per account; also the `before` cursor of `ledger`. */
    id: z.string(),
    userId: z.string(),
    transactionId: z.string(),
    /** The transfer id, or the deposit reference for DEPOSIT entries. */
    transferId: z.string(),
    kind: Kind,
    /** Signed decimal string: what this entry did to the balance. */
    amount: z.string(),
    balanceAfter: z.string(),
    /** ISO 8601. */
    at: z.string(),
  });
  export type LedgerEntry = z.infer<typeof LedgerEntry>;

  export const Totals = z.object({
    /**
     * Sum of every balance, treasury included. Conservation: sumOfBalances + inTransit is
     * always "0.00"; once every saga has finished, inTransit is "0.00" too.
     */
    sumOfBalances: z.string(),
    /**
     * Money debited from a sender and not (yet) credited to the receiver nor refunded:
     * DEBIT − CREDIT − REFUND + REVERSE over applied inbox rows. Non-zero only while sagas
     * run, or for a transfer that REQUIRES_ATTENTION.
     */
    inTransit: z.string(),
    /** Accounts whose balance differs from the sum of their ledger entries: always 0. */
    accountsWithLedgerMismatch: z.number().check(z.int()),
    /** User accounts below zero: always 0. */
    negativeUserBalances: z.number().check(z.int()),
    /** sumOfBalances + inTransit: always "0.00". */
    drift: z.string(),
    /** Invariants 1 and 2 hold: no drift, every balance equals its ledger, no negative user balance. */
    conserved: z.boolean(),
  });
  export type Totals = z.infer<typeof Totals>;

  interface AccountRow {
    user_id: string;
    kind: Info["kind"];
    status: Info["status"];
    balance: string;
    created_at: Date;
  }

  function toInfo(row: AccountRow): Info {
    return {
      userId: row.user_id,
      kind: row.kind,
      status: row.status,
      balance: normalize(row.balance),
      createdAt: iso(row.created_at),
    };
  }

  // ---------------------------------------------------------------- accounts

  /** Opens the user's account unless it exists; `created` tells which (POST /accounts: 201 or 200). */
  export const open = fn(z.object({ userId: UserId }), async ({ userId }): Promise<{ account: Info; created: boolean }> => {
    const sql = db();
    const [created] = await sql<AccountRow[]>`
      insert into wallet.account (user_id) values (${userId})
      on conflict (user_id) do nothing
      returning user_id, kind, status, balance, created_at`;
    if (created) return { account: toInfo(created), created: true };
    // Already there (possibly inserted a moment ago by a concurrent call): read it in a fresh snapshot.
    const [existing] = await sql<AccountRow[]>`
      select user_id, kind, status, balance, created_at from wallet.account where user_id = ${userId}`;
    if (!existing) throw new Error(`account ${userId} vanished after a conflicting insert`);
    return { account: toInfo(existing), created: false };
  });

  export const openAccount = fn(z.object({ userId: UserId }), async (input): Promise<Info> => (await open(input)).account);

  export const closeAccount = fn(z.object({ userId: UserId }), async ({ userId }): Promise<Info> => {
    const [row] = await db()<AccountRow[]>`
      update wallet.account set status = 'closed'
      where user_id = ${userId} and kind = 'user'
      returning user_id, kind, status, balance, created_at`;
    if (!row) throw notFound(userId);
    return toInfo(row);
  });

  /** Every account, treasury included (an operator's view; the demo has a handful). */
  export function accounts(options: { limit?: number } = {}): Promise<Info[]> {
    const limit = Math.min(Math.max(options.limit ?? 500, 1), 1000);
    return wrap(async () => {
      const rows = await db()<AccountRow[]>`
        select user_id, kind, status, balance, created_at from wallet.account order by kind desc, user_id limit ${limit}`;
      return rows.map(toInfo);
    });
  }

  export function account(userId: string): Promise<Info | undefined> {
    return wrap(async () => {
      const [row] = await db()<AccountRow[]>`
        select user_id, kind, status, balance, created_at from wallet.account where user_id = ${userId}`;
      return row && toInfo(row);
    });
  }

  // ---------------------------------------------------------------- money operations

  /** What statement 2 of every money transaction reports back. */
  interface ApplyRow {
    account_id: string | null;
    status: Info["status"] | null;
    balance: string | null;
    prior_account_id: string | null;
    prior_outcome: OutcomeKind | null;
    prior_amount: string | null;
    prior_balance_after: string | null;
    /** DEBIT/CREDIT: the REFUND/REVERSE tombstone exists. */
    compensated: boolean | null;
    /** REFUND/REVERSE: the DEBIT/CREDIT being undone. */
    original_account_id: string | null;
    original_amount: string | null;
    /** Set only when this statement inserted the inbox row. */
    inserted_outcome: OutcomeKind | null;
    inserted_amount: string | null;
    balance_after: string | null;
  }

  function lockUser(tx: postgres.TransactionSql, userId: string) {
    return tx`select id from wallet.account where user_id = ${userId} and kind = 'user' for update`;
  }

  /** The recorded outcome of an operation already in the inbox (a retry). */
  function replay(row: ApplyRow, transactionId: string, expectedAmountMinor?: bigint): Outcome {
    if (
      // A tombstone recorded before the user had an account stays valid once it has one.
      (row.prior_account_id !== null && row.prior_account_id !== row.account_id) ||
      (expectedAmountMinor !== undefined && toMinor(row.prior_amount ?? "0") !== expectedAmountMinor)
    ) {
      throw new AppError(
        "conflict",
        WalletError.TRANSFER_MISMATCH,
        `${transactionId} was already recorded for another account or amount`,
      );
    }
    return {
      transactionId,
      outcome: row.prior_outcome!,
      replayed: true,
      amount: normalize(row.prior_amount ?? "0"),
      ...(row.prior_balance_after !== null ? { balanceAfter: normalize(row.prior_balance_after) } : {}),
    };
  }

  /**
   * Our insert found the key taken although statement 2 saw no prior row: a concurrent
   * transaction committed the same key without contending for our row lock (another
   * account: `replay` reports the mismatch; or no account at all: a concurrent tombstone).
   * Read it in a fresh snapshot.
   */
  async function lostRace(tx: postgres.TransactionSql, row: ApplyRow, transactionId: string, amountMinor?: bigint) {
    const [prior] = await tx<{ account_id: string | null; outcome: OutcomeKind; amount: string }[]>`
      select account_id::text, outcome, amount from wallet.inbox where transaction_id = ${transactionId}`;
    if (!prior) throw new Error(`inbox row ${transactionId} neither inserted nor found`);
    return replay(
      { ...row, prior_account_id: prior.account_id, prior_outcome: prior.outcome, prior_amount: prior.amount, prior_balance_after: null },
      transactionId,
      amountMinor,
    );
  }

  /** Statement 2's common head: the account (already locked) and the prior inbox row, if any. */
  function head(tx: postgres.TransactionSql, userId: string, transactionId: string) {
    return tx`
      acct as (
        select id, status, balance from wallet.account where user_id = ${userId} and kind = 'user'
      ),
      prior as (
        select i.account_id, i.outcome, i.amount, l.balance_after
        from wallet.inbox i
        left join wallet.ledger_entry l on l.transaction_id = i.transaction_id and l.account_id = i.account_id
        where i.transaction_id = ${transactionId}
      )`;
  }

  function headColumns(tx: postgres.TransactionSql) {
    return tx`
      acct.id::text as account_id, acct.status, acct.balance,
      prior.account_id::text as prior_account_id, prior.outcome as prior_outcome,
      prior.amount as prior_amount, prior.balance_after as prior_balance_after`;
  }

  /** What wallet.move and wallet.compensate (migration 0002) return: the outcome, decided in SQL. */
  interface MoneyRow {
    result:
      | "applied"
      | "skipped"
      | "replayed"
      | "mismatch"
      | "original_mismatch"
      | "not_found"
      | "closed"
      | "insufficient"
      | "compensated"
      | "impossible";
    outcome: OutcomeKind | null;
    amount: string | null;
    balance_after: string | null;
    balance: string | null;
  }

  /** Maps the function's verdict to an Outcome, or to the AppError that says why it was refused. */
  function verdict(row: MoneyRow | undefined, op: { type: string; transferId: string; userId: string; amount?: string }): Outcome {
    const transactionId = `${op.type}#${op.transferId}`;
    if (!row) throw new Error(`${transactionId}: the money function returned no row`);
    switch (row.result) {
      case "applied":
      case "skipped":
      case "replayed":
        return {
          transactionId,
          outcome: row.outcome!,
          replayed: row.result === "replayed",
          amount: normalize(row.amount ?? "0"),
          ...(row.balance_after !== null ? { balanceAfter: normalize(row.balance_after) } : {}),
        };
      case "mismatch":
        return fail("conflict", WalletError.TRANSFER_MISMATCH, `${transactionId} was already recorded for another account or amount`);
      case "original_mismatch":
        return fail("conflict", WalletError.TRANSFER_MISMATCH, `the original of ${transactionId} was recorded for another account than user ${op.userId}'s`);
      case "not_found":
        throw notFound(op.userId);
      case "closed":
        return fail("business", WalletError.ACCOUNT_CLOSED, `wallet account of user ${op.userId} is closed`);
      case "insufficient":
        return fail("business", WalletError.INSUFFICIENT_FUNDS, `balance ${normalize(row.balance!)} cannot cover ${op.amount}`);
      case "compensated":
        return fail("business", WalletError.TRANSFER_COMPENSATED, `transfer ${op.transferId} was already compensated; ${op.type} refused`);
      case "impossible":
        return fail(
          "business",
          WalletError.REVERSAL_IMPOSSIBLE,
          `balance ${normalize(row.balance!)} of user ${op.userId} no longer covers the credit of ${normalize(row.amount!)} (transfer ${op.transferId})`,
        );
    }
    throw new Error(`${transactionId}: unknown result ${String(row.result)}`);
  }

  function fail(kind: AppError["kind"], code: WalletError, message: string): never {
    throw new AppError(kind, code, message);
  }

  type MoveInput = { type: "DEBIT" | "CREDIT"; transferId: string; userId: string; amount: string };

  /**
   * DEBIT (the balance goes down) or CREDIT of one user account: one statement, one round trip,
   * the row lock held only while it runs (see migration 0002). Refused when its compensation was
   * already recorded (the tombstone), when closed, or when it would make the balance negative;
   * a refused debit leaves the REFUND tombstone, so a late duplicate of it never applies.
   */
  async function move(input: MoveInput): Promise<Outcome> {
    const row = await batcher.submit(input);
    const outcome = verdict(row, input);
    // The amount the caller asked for, as given (the recorded one equals it, or it was a mismatch).
    return row.result === "applied" ? { ...outcome, amount: input.amount } : outcome;
  }

  function moveOne(input: MoveInput): Promise<MoneyRow[]> {
    return db()<MoneyRow[]>`
      select result, outcome, amount, balance_after, balance
      from wallet.move(${input.type}, ${input.transferId}, ${input.userId}, ${input.amount}::numeric)`;
  }

  /**
   * Natural batching per account (migration 0003): while a move on an account is in flight,
   * further moves on it from this process wait, then go together in ONE wallet.move_batch call
   * (one transaction, one lock acquisition, one commit), each with its own inbox key and outcome.
   * A lone move — every move of a Lambda, which handles one invocation at a time — is a plain
   * wallet.move call and waits for nothing. WALLET_BATCH_MAX=1 turns batching off.
   */
  const batcher = (() => {
    interface Pending {
      input: MoveInput;
      resolve: (row: MoneyRow) => void;
      reject: (error: unknown) => void;
    }
    const waiting = new Map<string, Pending[]>();

    function batchMax(): number {
      const parsed = Number(process.env.WALLET_BATCH_MAX ?? "");
      return Number.isInteger(parsed) && parsed > 0 ? parsed : 100;
    }

    async function runBatch(userId: string, batch: Pending[]): Promise<void> {
      try {
        if (batch.length === 1) {
          const [row] = await moveOne(batch[0]!.input);
          if (!row) throw new Error("wallet.move returned no row");
          batch[0]!.resolve(row);
          return;
        }
        const rows = await db()<(MoneyRow & { item: number })[]>`
          select item, result, outcome, amount, balance_after, balance
          from wallet.move_batch(
            ${userId},
            ${batch.map((p) => p.input.type)}::text[],
            ${batch.map((p) => p.input.transferId)}::text[],
            ${batch.map((p) => p.input.amount)}::numeric[])`;
        const byItem = new Map(rows.map((row) => [row.item, row]));
        for (const [index, pending] of batch.entries()) {
          const row = byItem.get(index + 1);
          if (row) pending.resolve(row);
          else pending.reject(new Error(`wallet.move_batch returned no row for item ${index + 1}`));
        }
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          return;
        }
        // One item's failure (not a refusal: those are verdicts) must not decide the others':
        // each goes again alone and gets its own answer. Nothing of the batch was committed.
        for (const pending of batch) await runBatch(userId, [pending]);
      }
    }

    async function drain(userId: string, queue: Pending[]): Promise<void> {
      try {
        while (queue.length > 0) await runBatch(userId, queue.splice(0, batchMax()));
      } finally {
        waiting.delete(userId);
      }
    }

    return {
      submit(input: MoveInput): Promise<MoneyRow> {
        return new Promise<MoneyRow>((resolve, reject) => {
          const queue = waiting.get(input.userId);
          if (queue) {
            queue.push({ input, resolve, reject });
            return;
          }
          const fresh: Pending[] = [{ input, resolve, reject }];
          waiting.set(input.userId, fresh);
          void drain(input.userId, fresh);
        });
      },
    };
  })();

  /**
   * REFUND (undoes a DEBIT) or REVERSE (undoes a CREDIT), of the recorded original's amount.
   * Without an original it is recorded as 'skipped' and becomes the tombstone that makes a late
   * original refuse: both lock the same account row before reading the other's inbox row, so one
   * of them always sees the other. Allowed on a closed account. For a user without an account it
   * is skipped too, with a tombstone tied to no account (there is no row to lock then, so only a
   * credit racing the account's creation could slip past it).
   */
  async function compensate(input: { type: "REFUND" | "REVERSE"; transferId: string; userId: string }): Promise<Outcome> {
    const [row] = await db()<MoneyRow[]>`
      select result, outcome, amount, balance_after, balance
      from wallet.compensate(${input.type}, ${input.transferId}, ${input.userId})`;
    return verdict(row, input);
  }

  export const debit = fn(
    z.object({ transferId: TransferId, userId: UserId, amount: Amount }),
    (input): Promise<Outcome> => move({ ...input, type: "DEBIT" }),
  );

  export const credit = fn(
    z.object({ transferId: TransferId, userId: UserId, amount: Amount }),
    (input): Promise<Outcome> => move({ ...input, type: "CREDIT" }),
  );

  export const refund = fn(
    z.object({ transferId: TransferId, userId: UserId }),
    (input): Promise<Outcome> => compensate({ ...input, type: "REFUND" }),
  );

  export const reverse = fn(
    z.object({ transferId: TransferId, userId: UserId }),
    (input): Promise<Outcome> => compensate({ ...input, type: "REVERSE" }),
  );

  /**
   * Moves `amount` from the treasury to the user: one ledger entry on each.
   * The only operation that locks two rows — always the user's, then the treasury's.
   * No other operation touches the treasury, so that fixed order cannot deadlock.
   */
  export const deposit = fn(
    z.object({ reference: TransferId, userId: UserId, amount: Amount }),
    async ({ reference, userId, amount }): Promise<Outcome> => {
      const transactionId = `DEPOSIT#${reference}`;
      const amountMinor = toMinor(amount);
      return db().begin(async (tx) => {
        const [, , [row]] = await Promise.all([
          lockUser(tx, userId),
          tx`select id from wallet.account where kind = 'treasury' for update`,
          tx<ApplyRow[]>`
            with ${head(tx, userId, transactionId)},
            treasury as (
              select id from wallet.account where kind = 'treasury'
            ),
            checked as (
              select acct.id from acct, treasury
              where acct.status = 'open' and not exists (select 1 from prior)
            ),
            ins as (
              insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
              select ${transactionId}::text, 'DEPOSIT', ${reference}::text, checked.id, ${amount}::numeric, 'applied' from checked
              on conflict (transaction_id) do nothing
              returning account_id, outcome, amount
            ),
            upd_user as (
              update wallet.account a set balance = a.balance + ins.amount
              from ins where a.id = ins.account_id
              returning a.id, a.balance, ins.amount
            ),
            upd_treasury as (
              update wallet.account a set balance = a.balance - ins.amount
              from ins, treasury where a.id = treasury.id
              returning a.id, a.balance, -ins.amount as amount
            ),
            led as (
              insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
              select id, ${transactionId}::text, ${reference}::text, 'DEPOSIT', amount, balance
              from (select * from upd_user union all select * from upd_treasury) as moved
              returning account_id, balance_after
            )
            select ${headColumns(tx)},
              null::boolean as compensated,
              null::text as original_account_id, null::numeric as original_amount,
              (select outcome from ins) as inserted_outcome,
              (select amount from ins) as inserted_amount,
              (select balance_after from led where led.account_id = acct.id) as balance_after
            from (select) as one
            left join acct on true
            left join prior on true`,
        ]);
        if (!row || row.account_id === null) throw notFound(userId);
        if (row.prior_outcome !== null) return replay(row, transactionId, amountMinor);
        if (row.status !== "open") {
          throw new AppError("business", WalletError.ACCOUNT_CLOSED, `wallet account of user ${userId} is closed`);
        }
        if (row.inserted_outcome === null) return lostRace(tx, row, transactionId, amountMinor);
        return {
          transactionId,
          outcome: "applied" as const,
          replayed: false,
          amount,
          balanceAfter: normalize(row.balance_after!),
        };
      });
    },
  );

  // ---------------------------------------------------------------- reads

  interface LedgerRow {
    id: string;
    user_id: string;
    transaction_id: string;
    transfer_id: string;
    kind: Kind;
    amount: string;
    balance_after: string;
    at: Date;
  }

  function toEntry(row: LedgerRow): LedgerEntry {
    return {
      id: row.id,
      userId: row.user_id,
      transactionId: row.transaction_id,
      transferId: row.transfer_id,
      kind: row.kind,
      amount: normalize(row.amount),
      balanceAfter: normalize(row.balance_after),
      at: iso(row.at),
    };
  }

  const LedgerQuery = z.object({
    limit: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(500)), 50),
    /** Cursor: only entries older than this entry id. */
    before: z.optional(z.string().check(z.regex(/^[0-9]{1,19}$/))),
  });

  /** An account's entries, newest first. */
  export function ledger(userId: string, options: z.input<typeof LedgerQuery> = {}): Promise<LedgerEntry[]> {
    const parsed = LedgerQuery.safeParse(options);
    if (!parsed.success) {
      return Promise.reject(
        new AppError("validation", WalletError.INVALID_INPUT, z.prettifyError(parsed.error), parsed.error.issues),
      );
    }
    const { limit, before } = parsed.data;
    return wrap(async () => {
      const sql = db();
      const rows = await sql<LedgerRow[]>`
        select l.id::text as id, a.user_id, l.transaction_id, l.transfer_id, l.kind, l.amount, l.balance_after, l.at
        from wallet.account a
        join wallet.ledger_entry l on l.account_id = a.id
        where a.user_id = ${userId} ${before === undefined ? sql`` : sql`and l.id < ${before}::bigint`}
        order by l.id desc
        limit ${limit}`;
      return rows.map(toEntry);
    });
  }

  /** The entry an operation (inbox key, e.g. `DEPOSIT#ref`) wrote on this user's account, if any. */
  export function entry(transactionId: string, userId: string): Promise<LedgerEntry | undefined> {
    return wrap(async () => {
      const [row] = await db()<LedgerRow[]>`
        select l.id::text as id, a.user_id, l.transaction_id, l.transfer_id, l.kind, l.amount, l.balance_after, l.at
        from wallet.ledger_entry l
        join wallet.account a on a.id = l.account_id
        where l.transaction_id = ${transactionId} and a.user_id = ${userId}`;
      return row && toEntry(row);
    });
  }

  /** Who and how much an operation already recorded in the inbox was for (undefined: not recorded). */
  export function recorded(transactionId: string): Promise<{ userId: string | null; amount: string; outcome: OutcomeKind } | undefined> {
    return wrap(async () => {
      const [row] = await db()<{ user_id: string | null; amount: string; outcome: OutcomeKind }[]>`
        select a.user_id, i.amount, i.outcome
        from wallet.inbox i left join wallet.account a on a.id = i.account_id
        where i.transaction_id = ${transactionId}`;
      return row && { userId: row.user_id, amount: normalize(row.amount), outcome: row.outcome };
    });
  }

  /** Every entry a transfer wrote (debit, credit and their compensations), in order. */
  export function ledgerForTransfer(transferId: string): Promise<LedgerEntry[]> {
    return wrap(async () => {
      const rows = await db()<LedgerRow[]>`
        select l.id::text as id, a.user_id, l.transaction_id, l.transfer_id, l.kind, l.amount, l.balance_after, l.at
        from wallet.ledger_entry l
        join wallet.account a on a.id = l.account_id
        where l.transfer_id = ${transferId} and l.kind <> 'DEPOSIT'
        order by l.id`;
      return rows.map(toEntry);
    });
  }

  /** The invariant checks, from one snapshot (one statement). */
  export function totals(): Promise<Totals> {
    return wrap(async () => {
      // One statement, one snapshot: balances and the inbox are read at the same instant.
      const [row] = await db()<{ sum_of_balances: string; in_transit: string; mismatches: number; negatives: number }[]>`
        select
          (select coalesce(sum(balance), 0) from wallet.account) as sum_of_balances,
          (select coalesce(sum(case type when 'DEBIT' then amount when 'REVERSE' then amount else -amount end), 0)
             from wallet.inbox
             where outcome = 'applied' and type in ('DEBIT', 'CREDIT', 'REFUND', 'REVERSE')) as in_transit,
          (select count(*)::int
             from wallet.account a
             left join (select account_id, sum(amount) as total from wallet.ledger_entry group by account_id) l
               on l.account_id = a.id
             where a.balance <> coalesce(l.total, 0)) as mismatches,
          (select count(*)::int from wallet.account where kind = 'user' and balance < 0) as negatives`;
      const drift = toMinor(row!.sum_of_balances) + toMinor(row!.in_transit);
      return {
        sumOfBalances: normalize(row!.sum_of_balances),
        inTransit: normalize(row!.in_transit),
        accountsWithLedgerMismatch: row!.mismatches,
        negativeUserBalances: row!.negatives,
        drift: fromMinor(drift),
        conserved: drift === 0n && row!.mismatches === 0 && row!.negatives === 0,
      };
    });
  }
}
