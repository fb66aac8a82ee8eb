/**
 * Error names the state machine matches on. Step functions throw AppError, whose
 * `name` is its stable code, so Retry/Catch see exactly these strings.
 */
import { TransferError } from "../transfer/errors.ts";
import { WalletError } from "../wallet/errors.ts";

/** A step received a document that does not match its contract: a bug, never fixed by retrying. */
export const INVALID_STEP_INPUT = "INVALID_STEP_INPUT";

/** Codes that say "try again": everything else a domain module throws is a refusal. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([TransferError.TRANSFER_CONTENTION]);

/** Refusals by a business rule or a broken contract: never retried, they route to the failure path at once. */
export const BUSINESS_ERRORS: readonly string[] = [
  ...new Set([...Object.values(WalletError), ...Object.values(TransferError), INVALID_STEP_INPUT]),
].filter((code) => !TRANSIENT_CODES.has(code));

/** The first step found the transfer owned by another execution: a duplicate delivery. */
export const DUPLICATE_START_ERRORS: readonly string[] = [TransferError.TRANSFER_ALREADY_STARTED];

/** The compensation fence found the transfer already SUCCEEDED: nothing to undo. */
export const ALREADY_SUCCEEDED_ERRORS: readonly string[] = [TransferError.TRANSFER_ALREADY_SUCCEEDED];
