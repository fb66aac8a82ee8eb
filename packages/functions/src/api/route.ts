/**
 * A route declared once, as data: method, path, summary, and core's schemas for what it takes and
 * answers (zod/mini, the shape of @hono/zod-openapi's createRoute config). At run time a plain Hono
 * router validates requests with those very schemas, exactly as @hono/zod-openapi did; the OpenAPI
 * document is generated from the same declarations at build time (openapi-document.ts), so the
 * API's Lambda bundle carries neither classic zod nor the generator (issue 12).
 */
import { zValidator } from "@hono/zod-validator";
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "./hono.ts";
import { HTTPException } from "hono/http-exception";
import { validator } from "hono/validator";
import type { $ZodIssue, $ZodType, output } from "zod/v4/core";
import { ApiErrorCode } from "@ewallet/core/transfer/info";

type JsonContent = { "application/json": { schema: $ZodType } };

export interface ApiRoute {
  method: "get" | "post";
  /** OpenAPI style (`/{userId}`), relative to the router's mount path. */
  path: string;
  summary: string;
  request?: {
    params?: $ZodType;
    query?: $ZodType;
    headers?: $ZodType;
    /** Only required JSON bodies: an optional body would skip validation when the content type is absent. */
    body?: { required: true; content: JsonContent };
  };
  responses: Record<number, { description: string; content?: JsonContent }>;
}

type Out<S> = S extends $ZodType ? output<S> : never;
type Request<R extends ApiRoute> = NonNullable<R["request"]>;
/** What `c.req.valid(...)` returns in a route's handler: each part as its schema outputs it. */
export type RouteInput<R extends ApiRoute> = {
  out: {
    param: Out<Request<R>["params"]>;
    query: Out<Request<R>["query"]>;
    header: Out<Request<R>["headers"]>;
    json: Out<NonNullable<Request<R>["body"]>["content"]["application/json"]["schema"]>;
  };
};
type Handler<R extends ApiRoute> = (c: Context<{}, string, RouteInput<R>>) => Response | Promise<Response>;

/** A router (one per resource) that remembers what it serves, in order, for the OpenAPI document. */
export class ApiRouter extends Hono {
  readonly documented: ApiRoute[] = [];
}

export const router = () => new ApiRouter();

/** One error entry per bad field: `path` dotted ("(root)" for the whole value). */
export function fieldErrors(issues: readonly $ZodIssue[]) {
  return issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
}

/** A request that fails its route's schema gets one error entry per bad field (400 VALIDATION_FAILED). */
const hook = (result: { success: boolean; error?: { issues: $ZodIssue[] } }, c: Context) => {
  if (!result.success) {
    return c.json({ error: { code: ApiErrorCode.VALIDATION_FAILED, message: "The request is invalid", fields: fieldErrors(result.error!.issues) } }, 400);
  }
};

const openApiPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

// @hono/zod-openapi's media-type gate for a JSON body: a declared type must match exactly this, and
// a request without a content type must carry no body (415 otherwise), before the body is parsed.
const JSON_REQUEST = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
async function hasRequestBody(c: Context): Promise<boolean> {
  const raw = c.req.raw;
  if (raw.body === null) return false;
  if (raw.bodyUsed) return (await c.req.arrayBuffer()).byteLength > 0;
  const body = raw.clone().body;
  if (body === null) return false;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if (value.byteLength > 0) return true;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
const jsonMediaTypeGate: MiddlewareHandler = async (c, next) => {
  const contentType = c.req.header("content-type");
  if (contentType ? !JSON_REQUEST.test(contentType) : await hasRequestBody(c)) throw new HTTPException(415, { message: "Unsupported Media Type" });
  await next();
};

/** Binds a route whose request its schemas validate: path, query, headers, then the JSON body. */
export function openapi<R extends ApiRoute>(app: ApiRouter, route: R, handler: Handler<R>) {
  app.documented.push(route);
  const request = route.request;
  const validators: MiddlewareHandler[] = [];
  if (request?.query) validators.push(zValidator("query", request.query, hook));
  if (request?.params) validators.push(zValidator("param", request.params, hook));
  if (request?.headers) validators.push(zValidator("header", request.headers, hook));
  if (request?.body) validators.push(jsonMediaTypeGate, zValidator("json", request.body.content["application/json"].schema, hook));
  return app.on([route.method.toUpperCase()], [openApiPath(route.path)], ...validators, handler as unknown as MiddlewareHandler);
}

/**
 * The JSON body as sent, for an operation that validates its input in core (with core's own
 * error code): the same media-type gate as validated routes (415), then parsed (400 if malformed).
 */
const jsonBody = validator("json", (value) => value as unknown);

/**
 * Binds a route whose input core validates itself: described in the OpenAPI document, its body
 * read as JSON, nothing re-validated here (so core's error codes reach the client).
 */
export function validatedByCore(app: ApiRouter, route: ApiRoute, handler: (c: Context, request: { body: unknown }) => Response | Promise<Response>) {
  app.documented.push(route);
  const path = openApiPath(route.path);
  if (!route.request?.body) return app.on(route.method.toUpperCase(), path, (c) => handler(c, { body: undefined }));
  return app.on(route.method.toUpperCase(), path, jsonMediaTypeGate, jsonBody, (c) => handler(c, { body: c.req.valid("json") }));
}
