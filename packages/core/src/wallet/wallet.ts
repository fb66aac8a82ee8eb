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
 * (wallet.move, wallet.compensate: migrations/R__money_*.sql), sent as ONE statement in its own implicit
 * transaction: the row lock is taken inside it and released by the commit right after, with no
 * client round trip in between — a hot account's throughput is 1 / lock hold time. Each
 * statement inside the function takes a fresh snapshot after the lock (plpgsql in READ
 * COMMITTED), so the tombstone check (REFUND before a late DEBIT, REVERSE before a late CREDIT)
 * sees whatever committed before the lock was granted. The function decides the outcome and
 * returns it; `verdict` only maps it to an Outcome or an AppError. Deposits (wallet.deposit)
 * work the same way.
 *
 * By concern: schema.ts (shapes, limits, input rules; client-safe), accounts.ts, money.ts (the
 * saga's operations and deposits; batch.ts sends moves), reads.ts; run.ts is what they share.
 * This module gathers them under one name, `Wallet`.
 */
import * as accountsModule from "./accounts.ts";
import * as money from "./money.ts";
import * as reads from "./reads.ts";
import * as schema from "./schema.ts";

export { WalletError } from "./errors.ts";

export namespace Wallet {
  export const TREASURY_USER_ID = schema.TREASURY_USER_ID;

  export const Info = schema.Info;
  export type Info = schema.Info;
  /** The same schema under the name the API's OpenAPI document uses. */
  export const AccountInfo = schema.Info;
  export type AccountInfo = schema.Info;
  export const OutcomeKind = schema.OutcomeKind;
  export type OutcomeKind = schema.OutcomeKind;
  export const Outcome = schema.Outcome;
  export type Outcome = schema.Outcome;
  export const Kind = schema.Kind;
  export type Kind = schema.Kind;
  export const LedgerEntry = schema.LedgerEntry;
  export type LedgerEntry = schema.LedgerEntry;
  export const Totals = schema.Totals;
  export type Totals = schema.Totals;

  export const open = accountsModule.open;
  export const openAccount = accountsModule.openAccount;
  export const closeAccount = accountsModule.closeAccount;
  export const accounts = accountsModule.accounts;
  export const account = accountsModule.account;

  export const debit = money.debit;
  export const credit = money.credit;
  export const refund = money.refund;
  export const reverse = money.reverse;
  export const deposit = money.deposit;

  export const ledger = reads.ledger;
  export const entry = reads.entry;
  export const recorded = reads.recorded;
  export const ledgerForTransfer = reads.ledgerForTransfer;
  export const totals = reads.totals;
}
