/**
 * The HTTP API, composed in one place: the middleware every request passes (CORS, one log line,
 * the caller), one router per resource, the error mapping and the OpenAPI document. Routes are
 * declared from core's zod schemas; core applies every rule, the caller's included. The document
 * is generated from those declarations at build time (`pnpm run openapi`) and served as is.
 */
import { Hono } from "./hono.ts";
import { cors } from "hono/cors";
import { Actor } from "@ewallet/core/actor";
import { authenticate, authenticateClaims } from "@ewallet/core/auth";
import { Log } from "@ewallet/core/log";
import { ApiErrorCode } from "@ewallet/core/transfer/info";
import { errorResponse } from "./common.ts";
import { CORS } from "./cors.ts";
import openApiDocument from "./openapi.json" with { type: "json" };
import { RESOURCES } from "./resources.ts";

type AuthorizedEnv = { event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } } };

export function createApp() {
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
    if (c.req.method === "OPTIONS" || c.req.path === "/openapi.json") return next();
    // On Lambda behind API Gateway, hono/aws-lambda passes the event: its authorizer verified the token.
    const claims = (c.env as AuthorizedEnv | undefined)?.event?.requestContext?.authorizer?.jwt?.claims;
    const actor = claims ? authenticateClaims(claims) : await authenticate(c.req.header("authorization"));
    return Actor.provide(actor, () => next());
  });
  app.notFound((c) => c.json({ error: { code: ApiErrorCode.NOT_FOUND, message: `No route for ${c.req.method} ${c.req.path}` } }, 404));

  for (const { path, router } of RESOURCES) app.route(path, router);
  app.get("/openapi.json", (c) => c.json(openApiDocument));
  return app;
}
