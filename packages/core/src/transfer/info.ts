/**
 * What a transfer is, as every side sees it: its id, statuses, history, the API's request and
 * response shapes, list limits and error codes. Client-safe: zod/mini and core's money/user
 * only (no store, no SDK, no node:*), so the dashboard imports it instead of copying.
 */
import * as z from "../util/zod.ts";
import { Amount } from "../money.ts";
import { UserId } from "../user.ts";
import { AccountDetail, AccountsResponse, LedgerEntry } from "../wallet/schema.ts";
import { TransferError } from "./errors.ts";
import { STEP_HISTORY_NAMES } from "../saga/registry.ts";
import { WalletError } from "../wallet/errors.ts";

export { TransferError, WalletError, AccountDetail, AccountsResponse };
export { LEDGER_LIMIT_DEFAULT, LEDGER_LIMIT_MAX } from "../wallet/schema.ts";

export { TransferId } from "./id.ts";

export const STATUSES = ["PENDING", "PROCESSING", "SUCCEEDED", "FAILED", "REQUIRES_ATTENTION"] as const;
export const TransferStatus = z.enum(STATUSES);
export type TransferStatus = z.infer<typeof TransferStatus>;

/** The statuses a saga is still working on (the stuck sweep looks at these). */
export const IN_FLIGHT_STATUSES = ["PENDING", "PROCESSING"] as const satisfies readonly TransferStatus[];
export const isInFlight = (status: TransferStatus) => (IN_FLIGHT_STATUSES as readonly TransferStatus[]).includes(status);

/** GET /transfers: transfers per page. */
export const LIST_LIMIT_DEFAULT = 25;
export const LIST_LIMIT_MAX = 100;

/** The saga's steps as a transfer's history names them (`created` is the create, `sweep` the operator's sweep). */
export const HISTORY_STEPS = ["created", ...STEP_HISTORY_NAMES, "sweep"] as const;
export const HistoryStep = z.enum(HISTORY_STEPS);
export type HistoryStep = z.infer<typeof HistoryStep>;

export const HISTORY_OUTCOMES = ["pending", "started", "applied", "skipped", "succeeded", "error", "failed", "requires attention", "redriven"] as const;
export const HistoryOutcome = z.enum(HISTORY_OUTCOMES);
export type HistoryOutcome = z.infer<typeof HistoryOutcome>;

/** One line of a transfer's history: typed fields, so a reader never parses text. */
export const HistoryEntry = z.object({
  step: HistoryStep,
  outcome: HistoryOutcome,
  at: z.iso.datetime(),
  /** A wallet step: what it moved, a decimal string ("0.00" when skipped). */
  amount: z.optional(z.string()),
  /** A wallet step: true when a retry found it already recorded in the inbox and moved nothing again. */
  replayed: z.optional(z.boolean()),
  /** outcome "error": the failure's stable code and its message for people. */
  errorCode: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
  /** Free words for people, shown as they are (the sweep's notes; older items' text). */
  detail: z.optional(z.string()),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const TransferInfo = z.object({
  transferId: z.string(),
  senderUserId: z.string(),
  receiverUserId: z.string(),
  /** Canonical decimal string, e.g. "12.34". */
  amount: z.string(),
  currency: z.string(),
  status: TransferStatus,
  /** A stable code (e.g. INSUFFICIENT_FUNDS) once a failure or compensation is recorded. */
  failureReason: z.optional(z.string()),
  failureMessage: z.optional(z.string()),
  /** The saga execution that owns the transfer since `start`. */
  executionId: z.optional(z.string()),
  /** True once a compensation began: the transfer can no longer succeed. */
  compensating: z.boolean(),
  history: z.array(HistoryEntry),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type TransferInfo = z.infer<typeof TransferInfo>;

/** The body of POST /transfers. Unknown fields are refused: a misspelt field must not be dropped silently. */
export const CreateInput = z.strictObject({ senderUserId: UserId, receiverUserId: UserId, amount: Amount }).check(
  z.refine((input) => input.senderUserId !== input.receiverUserId, {
    path: ["receiverUserId"],
    error: "receiverUserId must differ from senderUserId",
  }),
);
export type CreateInput = z.output<typeof CreateInput>;

/** POST /transfers' answer: only fields fixed at creation, so a replay returns exactly the first response. */
export const CreatedTransfer = z.pick(TransferInfo, {
  transferId: true,
  status: true,
  senderUserId: true,
  receiverUserId: true,
  amount: true,
  currency: true,
  createdAt: true,
});
export type CreatedTransfer = z.infer<typeof CreatedTransfer>;

export function createdView(transfer: TransferInfo): CreatedTransfer {
  const { transferId, senderUserId, receiverUserId, amount, currency, createdAt } = transfer;
  return { transferId, status: "PENDING", senderUserId, receiverUserId, amount, currency, createdAt };
}

/** GET /transfers: one page, and a cursor when there may be more. */
export const TransferPage = z.object({ items: z.array(TransferInfo), cursor: z.optional(z.string()) });
export type TransferPage = z.infer<typeof TransferPage>;

/** GET /transfers/{transferId}: the transfer and the ledger entries its saga wrote. */
export const TransferDetail = z.extend(TransferInfo, { ledger: z.array(LedgerEntry) });
export type TransferDetail = z.infer<typeof TransferDetail>;

/** Codes the API itself answers with (the domain's own are TransferError's and WalletError's). */
export const ApiErrorCode = {
  /** A request that does not match the route's schema (details: one entry per field). → 400 */
  VALIDATION_FAILED: "VALIDATION_FAILED",
  IDEMPOTENCY_KEY_REQUIRED: "IDEMPOTENCY_KEY_REQUIRED",
  BAD_REQUEST: "BAD_REQUEST",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  /** No route for this method and path. → 404 */
  NOT_FOUND: "NOT_FOUND",
  INTERNAL_ERROR: "INTERNAL_ERROR",
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** Every error the API answers: `{ error: { code, message, fields? } }`. */
export const FieldError = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldError>;
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), fields: z.optional(z.array(FieldError)) }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
