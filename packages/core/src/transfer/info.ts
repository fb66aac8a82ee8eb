/**
 * What a transfer is, as every side sees it: its id, statuses, history and list limits (record.ts,
 * re-exported), the API's request and response shapes and error codes. Client-safe: zod/mini and
 * core's money/user only (no store, no SDK, no node:*), so the dashboard imports it instead of copying.
 */
import * as z from "../util/zod.ts";
import { Amount } from "../money.ts";
import { UserId } from "../user.ts";
import { AccountDetail, AccountsResponse, LedgerEntry } from "../wallet/schema.ts";
import { TransferError } from "./errors.ts";
import { WalletError } from "../wallet/errors.ts";
import { TransferInfo } from "./record.ts";

export { TransferError, WalletError, AccountDetail, AccountsResponse };
export { LEDGER_LIMIT_DEFAULT, LEDGER_LIMIT_MAX } from "../wallet/schema.ts";

export { TransferId } from "./id.ts";

export {
  STATUSES,
  TransferStatus,
  IN_FLIGHT_STATUSES,
  isInFlight,
  LIST_LIMIT_DEFAULT,
  LIST_LIMIT_MAX,
  HISTORY_STEPS,
  HistoryStep,
  HISTORY_OUTCOMES,
  HistoryOutcome,
  HistoryEntry,
  TransferInfo,
} from "./record.ts";
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
