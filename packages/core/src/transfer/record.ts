/**
 * A transfer as it is stored and moved: statuses, history entries, the transfer itself, and the
 * limits of listing them. Re-exported by info.ts, which adds the API's request and response
 * shapes; the saga's status steps import this module, so they do not build those shapes (nor the
 * wallet's) at every cold start (zod/mini schemas are built at import; issue 12).
 */
import * as z from "../util/zod.ts";
import { STEP_HISTORY_NAMES } from "../saga/registry.ts";
import { TransferId } from "./id.ts";

export { TransferId };

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
