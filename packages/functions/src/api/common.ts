/**
 * What every router shares: the error shape and how errors map to HTTP statuses, and the error
 * section each route's OpenAPI description lists.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { $ZodIssue } from "zod/v4/core";
import { AppError, type ErrorKind } from "@ewallet/core/error";
import { Log } from "@ewallet/core/log";
import { RETRY_AFTER_SECONDS, toTransientError } from "@ewallet/core/transient";
import { ApiErrorCode, ErrorBody } from "@ewallet/core/transfer/info";
import * as z from "@ewallet/core/util/zod";
import { fieldErrors } from "./route.ts";

const STATUS_BY_KIND: Record<ErrorKind, 400 | 401 | 403 | 404 | 409 | 422 | 503> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 422,
  business: 422,
  transient: 503,
};

/** Any error thrown while handling a request, as the API's error shape with its status. */
export function errorResponse(c: Context, caught: unknown) {
  // A store that is down or throttling is a 503 the client retries (with the same key), never a 500.
  const error = toTransientError(caught, "A backing store");
  if (error instanceof AppError) {
    if (error.kind === "transient") {
      Log.warn("transient failure", { error, cause: error.cause });
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
    }
    const fields = Array.isArray(error.details) ? fieldErrors(error.details as $ZodIssue[]) : undefined;
    return c.json({ error: { code: error.code, message: error.message, ...(fields ? { fields } : {}) } }, STATUS_BY_KIND[error.kind]);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Raised by Hono itself, e.g. a body that is not JSON.
    const code = error.status === 415 ? ApiErrorCode.UNSUPPORTED_MEDIA_TYPE : ApiErrorCode.BAD_REQUEST;
    return c.json({ error: { code, message: error.message || "The request could not be read" } }, error.status);
  }
  Log.error("unhandled API error", { error });
  return c.json({ error: { code: ApiErrorCode.INTERNAL_ERROR, message: "Something went wrong on our side; it is safe to retry." } }, 500);
}

/** Every error answer has core's error shape, which the OpenAPI document names "Error" (openapi-document.ts). */
export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing, invalid or expired bearer token", content: { "application/json": { schema: ErrorBody } } },
  403: { description: "Not allowed for this caller", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "Not found", content: { "application/json": { schema: ErrorBody } } },
  422: { description: "Refused by a business rule or idempotency conflict", content: { "application/json": { schema: ErrorBody } } },
  503: { description: "Temporarily unavailable; retry", content: { "application/json": { schema: ErrorBody } } },
} as const;

/**
 * The Idempotency-Key header as routes document it (required by core, which says so with its own
 * code). The description is zod's global metadata, which the document generator reads.
 */
export const idempotencyKeyHeader = (scope: string) =>
  z.object({ "idempotency-key": z.optional(z.string()).register(z.globalRegistry, { description: `Required; scoped to the ${scope}` }) });
