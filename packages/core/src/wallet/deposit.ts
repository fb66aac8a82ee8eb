/**
 * Deposits (rare, two rows) keep the older shape: `SELECT … FOR UPDATE` of both rows, then one
 * statement that re-reads everything under the locks, sent pipelined, then COMMIT.
 */
import type postgres from "postgres";
import * as z from "../util/zod.ts";
import { AppError } from "../error.ts";
import { Amount, normalize, toMinor } from "../money.ts";
import { UserId } from "../user.ts";
import { db } from "./client.ts";
import { WalletError } from "./errors.ts";
import { fn, notFound } from "./run.ts";
import { DepositReference, type Info, type Outcome, type OutcomeKind } from "./schema.ts";

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

/**
 * Moves `amount` from the treasury to the user: one ledger entry on each.
 * The only operation that locks two rows — always the user's, then the treasury's.
 * No other operation touches the treasury, so that fixed order cannot deadlock.
 */
export const deposit = fn(
  z.object({ reference: DepositReference, userId: UserId, amount: Amount }),
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
