/**
 * Which failures of a cloud call are worth a retry, decided once for every store call in
 * core: network failures (the request may or may not have arrived), throttling, and the
 * service's own 5xx. A retried request is safe wherever core calls DynamoDB: writes are
 * conditional (a transfer's moves) or transactional with an idempotency item (create).
 */
import { AppError } from "./error.ts";

/** The store could not be reached or refused for now; retrying the same request is safe. → 503 */
export const TRANSIENT_STORE_ERROR = "TRANSIENT_STORE_ERROR";

/** How long a client should wait before retrying a 503 (the API's Retry-After, in seconds). */
export const RETRY_AFTER_SECONDS = 2;

const THROTTLING_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "TransactionInProgressException",
  "LimitExceededException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** Socket-level failures (Node, undici): the request may or may not have reached the server. One list for every store. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_HTTP2_STREAM_ERROR",
]);

interface AwsLike {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
  cause?: unknown;
}

function isTransientOne(error: AwsLike): boolean {
  const status = error.$metadata?.httpStatusCode;
  if (typeof status === "number" && (status >= 500 || status === 429)) return true;
  if (error.$retryable) return true;
  if (typeof error.name === "string" && THROTTLING_NAMES.has(error.name)) return true;
  return typeof error.code === "string" && NETWORK_CODES.has(error.code);
}

/**
 * True when `error` (or any error in its `cause` chain: ElectroDB wraps the SDK's) says the
 * call may succeed if made again. Business AppErrors are never transient here; a transient
 * AppError is.
 */
export function isTransientError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && typeof current === "object" && depth < 8; depth++) {
    if (current instanceof AppError) return current.kind === "transient";
    if (isTransientOne(current as AwsLike)) return true;
    current = (current as AwsLike).cause;
  }
  return false;
}

/** A transient store failure as `AppError("transient", TRANSIENT_STORE_ERROR)`; anything else unchanged. */
export function toTransientError<E>(error: E, what = "The transfer store"): E | AppError {
  if (error instanceof AppError || !isTransientError(error)) return error;
  const mapped = new AppError("transient", TRANSIENT_STORE_ERROR, `${what} is temporarily unavailable; retry the same request`);
  mapped.cause = error;
  return mapped;
}

/** Runs `body`, reporting transient store failures as TRANSIENT_STORE_ERROR. */
export async function storeCall<R>(body: () => Promise<R>, what?: string): Promise<R> {
  try {
    return await body();
  } catch (error) {
    throw toTransientError(error, what);
  }
}
