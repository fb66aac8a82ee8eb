/** Wallet error codes, in a module of their own so the saga definition can list them without loading Postgres. */
/** Error codes (AppError.code, and so the error name Step Functions matches). None is worth a retry. */
export const WalletError = {
  /** kind "not_found": no open or closed user account with that id. */
  ACCOUNT_NOT_FOUND: "ACCOUNT_NOT_FOUND",
  /** kind "business": the account is closed (debit, credit, deposit). */
  ACCOUNT_CLOSED: "ACCOUNT_CLOSED",
  /** kind "business": the debit would make the balance negative. */
  INSUFFICIENT_FUNDS: "INSUFFICIENT_FUNDS",
  /** kind "business": a late DEBIT/CREDIT after its REFUND/REVERSE was recorded as skipped. */
  TRANSFER_COMPENSATED: "TRANSFER_COMPENSATED",
  /** kind "business": the receiver no longer holds the credited amount; a person must look. */
  REVERSAL_IMPOSSIBLE: "REVERSAL_IMPOSSIBLE",
  /** kind "conflict": the same transaction id was recorded for another account or amount (a caller bug). */
  TRANSFER_MISMATCH: "TRANSFER_MISMATCH",
  /** kind "validation": malformed input (amount, ids). */
  INVALID_INPUT: "INVALID_INPUT",
} as const;
export type WalletError = (typeof WalletError)[keyof typeof WalletError];
