/**
 * One error class for the whole domain. `kind` says how callers should react
 * (HTTP status, retry or not); `code` is stable and machine-readable.
 */
export type ErrorKind =
  | "validation" // the input is malformed → 400
  | "unauthorized" // no or bad credentials → 401
  | "forbidden" // authenticated but not allowed → 403
  | "not_found" // the thing asked for does not exist → 404
  | "conflict" // the request clashes with stored state → 409/422
  | "business" // a domain rule refused the operation (not retried) → 422
  | "transient"; // worth retrying (connection loss, lock timeout, throttling) → 503

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    // Step Functions matches Retry/Catch on the error *name*; use the stable code.
    this.name = code;
  }
}

export function isAppError(error: unknown, code?: string): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
