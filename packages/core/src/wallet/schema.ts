/**
 * The wallet's shapes, limits and input rules: zod/mini and plain constants only, so the
 * dashboard, the API and the saga's definition import them without loading Postgres.
 */
import * as z from "../util/zod.ts";
import { UserId } from "../user.ts";
import { pageLimit } from "../page.ts";
import { REFERENCE } from "./reference.ts";

/** The treasury's user id: deposits come from it. Not a valid UserId, so no user can take it. */
export const TREASURY_USER_ID = "_treasury";

/** Whose account a read is about: a user's, or the treasury's. */
export const AccountOwner = z.union([UserId, z.literal(TREASURY_USER_ID)]);

export { DepositReference } from "./reference.ts";

export const KINDS = ["DEPOSIT", "DEBIT", "CREDIT", "REFUND", "REVERSE"] as const;
export const Kind = z.enum(KINDS);
export type Kind = z.infer<typeof Kind>;

/** An operation's inbox key, `<KIND>#<transfer id or deposit reference>`, e.g. `DEBIT#01J…`. */
export const TransactionId = z.string({ error: "a transaction id must be a string" }).check(
  z.regex(new RegExp(`^(${KINDS.join("|")})#${REFERENCE}$`), {
    error: "a transaction id is <KIND>#<reference>, e.g. DEBIT#01JABCDEFGHJKMNPQRSTVWXYZ0",
  }),
);

/** GET /accounts/{userId}'s ledger: entries per page. */
export const LEDGER_LIMIT_DEFAULT = 50;
export const LEDGER_LIMIT_MAX = 200;

/** How many accounts `accounts()` returns (an operator's view; the demo has a handful). */
export const ACCOUNTS_LIMIT_DEFAULT = 500;
export const ACCOUNTS_LIMIT_MAX = 1000;

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

/** An account with its latest ledger entries (GET /accounts/{userId}). */
export const AccountDetail = z.extend(Info, { ledger: z.array(LedgerEntry) });
export type AccountDetail = z.infer<typeof AccountDetail>;

/** Every account with the conservation totals (GET /accounts). */
export const AccountsResponse = z.object({ items: z.array(Info), totals: Totals });
export type AccountsResponse = z.infer<typeof AccountsResponse>;

export const LedgerQuery = z.object({
  limit: pageLimit(LEDGER_LIMIT_MAX, LEDGER_LIMIT_DEFAULT),
  /** Cursor: only entries older than this entry id. */
  before: z.optional(z.string().check(z.regex(/^[0-9]{1,19}$/))),
});
