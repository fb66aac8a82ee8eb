/**
 * The money operations — the saga's (debit, credit, refund, reverse) and deposits: each is one call
 * of a SQL function (wallet.move, wallet.compensate, wallet.deposit: migrations/R__money_*.sql) that
 * decides the outcome and names it in `result`; `verdict` is the one place that turns that name
 * into an Outcome or an AppError.
 */
import * as z from "../util/zod.ts";
import { AppError } from "../error.ts";
import { Amount, normalize } from "../money.ts";
import { UserId } from "../user.ts";
import { TransferId } from "../transfer/id.ts";
import { submit } from "./batch.ts";
import { db } from "./client.ts";
import { WalletError } from "./errors.ts";
import { fn, notFound } from "./run.ts";
import { DepositReference } from "./reference.ts";
import type { Outcome, OutcomeKind } from "./schema.ts";

/** What the money functions (migrations/R__money_*.sql) return: the outcome, decided in SQL. */
export interface MoneyRow {
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

export type MoveInput = { type: "DEBIT" | "CREDIT"; transferId: string; userId: string; amount: string };

/**
 * DEBIT (the balance goes down) or CREDIT of one user account: one statement, one round trip,
 * the row lock held only while it runs (see migrations/R__money_common.sql). Refused when its compensation was
 * already recorded (the tombstone), when closed, or when it would make the balance negative;
 * a refused debit leaves the REFUND tombstone, so a late duplicate of it never applies.
 */
async function move(input: MoveInput): Promise<Outcome> {
  const row = await submit(input);
  return verdict(row, input);
}

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
 * Moves `amount` from the treasury to the user, keyed `DEPOSIT#<reference>`: wallet.deposit locks
 * the user's row, then the treasury's (no other operation locks two rows, so that order cannot deadlock).
 */
export const deposit = fn(
  z.object({ reference: DepositReference, userId: UserId, amount: Amount }),
  async ({ reference, userId, amount }): Promise<Outcome> => {
    const [row] = await db()<MoneyRow[]>`
      select result, outcome, amount, balance_after, balance
      from wallet.deposit(${reference}, ${userId}, ${amount}::numeric)`;
    return verdict(row, { type: "DEPOSIT", transferId: reference, userId, amount });
  },
);
