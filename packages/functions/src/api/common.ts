/**
 * What every router shares: the error shape and how errors map to HTTP statuses, the error
 * section of the OpenAPI document, and a router whose validation failures answer in that shape.
 */
import { OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { validator } from "hono/validator";
import { AppError, type ErrorKind } from "@ewallet/core/error";
import { Log } from "@ewallet/core/log";
import { RETRY_AFTER_SECONDS, toTransientError } from "@ewallet/core/transient";
import { ApiErrorCode, ErrorBody } from "@ewallet/core/transfer/info";
import { classic } from "./openapi-classic.ts";

const STATUS_BY_KIND: Record<ErrorKind, 400 | 401 | 403 | 404 | 409 | 422 | 503> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 422,
  business: 422,
  transient: 503,
};

// Core's error shape (zod/mini), rebuilt as classic zod now so that the document can name it "Error".
const ErrorSchema = (classic(ErrorBody) as unknown as z.ZodType<ErrorBody>).openapi("Error");

function fieldErrors(issues: readonly z.core.$ZodIssue[]) {
  return issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
}

/** Any error thrown while handling a request, as the API's error shape with its status. */
export function errorResponse(c: Context, caught: unknown) {
  // A store that is down or throttling is a 503 the client retries (with the same key), never a 500.
  const error = toTransientError(caught, "A backing store");
  if (error instanceof AppError) {
    if (error.kind === "transient") {
      Log.warn("transient failure", { error, cause: error.cause });
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
    }
    const fields = Array.isArray(error.details) ? fieldErrors(error.details as z.core.$ZodIssue[]) : undefined;
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

export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "Missing, invalid or expired bearer token", content: { "application/json": { schema: ErrorSchema } } },
  403: { description: "Not allowed for this caller", content: { "application/json": { schema: ErrorSchema } } },
  404: { description: "Not found", content: { "application/json": { schema: ErrorSchema } } },
  422: { description: "Refused by a business rule or idempotency conflict", content: { "application/json": { schema: ErrorSchema } } },
  503: { description: "Temporarily unavailable; retry", content: { "application/json": { schema: ErrorSchema } } },
} as const;

/** The Idempotency-Key header as routes document it (required by core, which says so with its own code). */
export const idempotencyKeyHeader = (scope: string) =>
  z.object({ "idempotency-key": z.string().optional().openapi({ description: `Required; scoped to the ${scope}` }) });

/** A router (one per resource): a request that fails its route's schema gets one error entry per bad field. */
export function router() {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(
          { error: { code: ApiErrorCode.VALIDATION_FAILED, message: "The request is invalid", fields: fieldErrors(result.error.issues) } },
          400,
        );
      }
    },
  });
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;
/**
 * The JSON body as sent, for an operation that validates its input in core (with core's own
 * error code): only unreadable bodies are refused here, as for validated routes (415, 400).
 */
const jsonBody = validator("json", async (value, c) => {
  const type = c.req.header("content-type");
  const unsupported = type ? !JSON_MEDIA_TYPE.test(type) : (await c.req.raw.clone().arrayBuffer()).byteLength > 0;
  if (unsupported) throw new HTTPException(415, { message: "Unsupported Media Type" });
  return value as unknown;
});

/**
 * Binds a route whose input core validates itself: described in the OpenAPI document, its body
 * read as JSON, nothing re-validated here (so core's error codes reach the client).
 */
export function validatedByCore(app: OpenAPIHono, route: RouteConfig, handler: (c: Context, request: { body: unknown }) => Response | Promise<Response>) {
  app.openAPIRegistry.registerPath(route);
  const path = route.path.replace(/\{(\w+)\}/g, ":$1");
  if (!route.request?.body) return app.on(route.method.toUpperCase(), path, (c) => handler(c, { body: undefined }));
  return app.on(route.method.toUpperCase(), path, jsonBody, (c) => handler(c, { body: c.req.valid("json") }));
}
