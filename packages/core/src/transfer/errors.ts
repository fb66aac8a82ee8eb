/** Transfer error codes, in a module of their own so the saga definition can list them without loading DynamoDB. */
/** Stable codes of the errors this module throws (AppError.code, which is also its name). */
export const TransferError = {
  /** The create body failed validation (details: zod issues with field paths). → 400 */
  INVALID_TRANSFER_REQUEST: "INVALID_TRANSFER_REQUEST",
  /** Any other input failed validation (details: zod issues). → 400 */
  INVALID_INPUT: "INVALID_INPUT",
  INVALID_IDEMPOTENCY_KEY: "INVALID_IDEMPOTENCY_KEY",
  INVALID_CURSOR: "INVALID_CURSOR",
  /** Same Idempotency-Key, different request. → 422 */
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  TRANSFER_NOT_FOUND: "TRANSFER_NOT_FOUND",
  /** `start` found the transfer already taken (another execution, or not PENDING): a duplicate delivery. */
  TRANSFER_ALREADY_STARTED: "TRANSFER_ALREADY_STARTED",
  TRANSFER_ALREADY_SUCCEEDED: "TRANSFER_ALREADY_SUCCEEDED",
  /** `succeed` on a transfer that is not PROCESSING, or whose compensation began. */
  TRANSFER_NOT_SUCCEEDABLE: "TRANSFER_NOT_SUCCEEDABLE",
  /** Any other refused move (e.g. `fail` on REQUIRES_ATTENTION, `beginCompensation` on PENDING). */
  TRANSFER_INVALID_TRANSITION: "TRANSFER_INVALID_TRANSITION",
  /** Concurrent creates kept colliding; retrying the same request is safe. → 503 */
  TRANSFER_CONTENTION: "TRANSFER_CONTENTION",
} as const;
export type TransferError = (typeof TransferError)[keyof typeof TransferError];
