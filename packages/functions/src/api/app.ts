/**
 * The HTTP API, composed in one place: the middleware every request passes (CORS, one log line,
 * the caller), one router per resource, the error mapping and, offline, the OpenAPI document.
 * Routes are declared from core's zod schemas; core applies every rule, the caller's included. The
 * document is generated from those declarations at build time (`pnpm run openapi`) and served as
 * is: by the offline server through this app, in the cloud by a function of its own
 * (openapi-function.ts), so the API's Lambda does not carry it.
 */
import { Hono } from "./hono.ts";
import { cors } from "hono/cors";
import { Actor } from "@ewallet/core/actor";
import { Log } from "@ewallet/core/log";
import { ApiErrorCode } from "@ewallet/core/transfer/info";
import type { Authenticate } from "./caller.ts";
import { errorResponse } from "./common.ts";
import { CORS } from "./cors.ts";
import { OPENAPI_PATH } from "./public.ts";
import { RESOURCES } from "./resources.ts";

export interface AppOptions {
  /** Who calls, as where the app runs knows it (caller.ts): the authorizer's claims on Lambda, a verified token offline. */
  authenticate: Authenticate;
  /** Served at GET /openapi.json when given (offline: OPENAPI_DOCUMENT); in the cloud, API Gateway routes that path elsewhere. */
  openApiDocument?: unknown;
}

export function createApp({ authenticate, openApiDocument }: AppOptions) {
  const app = new Hono();
  app.onError((error, c) => errorResponse(c, error));
  app.use("*", cors({ origin: CORS.allowOrigin, allowHeaders: [...CORS.allowHeaders], exposeHeaders: [...CORS.exposeHeaders], maxAge: CORS.maxAgeSeconds }));
  // One JSON line per request; lines logged while handling it carry its request id.
  app.use("*", async (c, next) => {
    const startedAt = Date.now();
    const requestId = c.req.header("x-amzn-trace-id") ?? crypto.randomUUID();
    await Log.scope({ requestId, method: c.req.method, path: c.req.path }, async () => {
      await next();
      Log.info("request", { status: c.res.status, durationMs: Date.now() - startedAt });
    });
  });
  // Every route but the API description needs a verified caller; core reads it from the context.
  app.use("*", async (c, next) => {
    if (c.req.method === "OPTIONS" || c.req.path === OPENAPI_PATH) return next();
    return Actor.provide(await authenticate(c), () => next());
  });
  app.notFound((c) => c.json({ error: { code: ApiErrorCode.NOT_FOUND, message: `No route for ${c.req.method} ${c.req.path}` } }, 404));

  for (const { path, router } of RESOURCES) app.route(path, router);
  if (openApiDocument !== undefined) app.get(OPENAPI_PATH, (c) => c.json(openApiDocument));
  return app;
}
