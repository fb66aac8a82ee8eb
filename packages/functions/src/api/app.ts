/**
 * The HTTP API: routes are declared from core's zod schemas (the same ones that validate),
 * handlers parse, call core and shape the response — no business rule lives here.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { cors } from "hono/cors";
import { AccountAccess, TransferAccess } from "@ewallet/core/access";
import { Actor } from "@ewallet/core/actor";
import { authenticate, authenticateClaims } from "@ewallet/core/auth";
import { Log } from "@ewallet/core/log";
import { AppError, type ErrorKind } from "@ewallet/core/error";
import { RETRY_AFTER_SECONDS, toTransientError } from "@ewallet/core/transient";
import { LIST_LIMIT_MAX, Transfer } from "@ewallet/core/transfer/transfer";
import {
  ApiErrorCode,
  CreatedTransfer,
  LEDGER_LIMIT_DEFAULT,
  LEDGER_LIMIT_MAX,
  TransferDetail,
  TransferError,
  TransferStatus,
  WalletError,
  createdView,
} from "@ewallet/core/transfer/info";
import { Wallet } from "@ewallet/core/wallet/wallet";
import { UserId } from "@ewallet/core/user";
import { registerOnboardingRoutes } from "./onboarding.ts";
import { classicSchemas } from "./openapi-classic.ts";

const STATUS_BY_KIND: Record<ErrorKind, 400 | 401 | 403 | 404 | 409 | 422 | 503> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 422,
  business: 422,
  transient: 503,
};

const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

function fieldErrors(issues: readonly z.core.$ZodIssue[]) {
  return issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
}

function errorResponse(c: Context, caught: unknown) {
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

const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing, invalid or expired bearer token", content: { "application/json": { schema: ErrorBody } } },
  403: { description: "Not allowed for this caller", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "Not found", content: { "application/json": { schema: ErrorBody } } },
  422: { description: "Refused by a business rule or idempotency conflict", content: { "application/json": { schema: ErrorBody } } },
  503: { description: "Temporarily unavailable; retry", content: { "application/json": { schema: ErrorBody } } },
} as const;

// Core's schemas are zod/mini: nested in classic ones as they are, cast where a route needs a classic type
// (validation is the same; classicSchemas rebuilds them for the document).
const CreateBody = Transfer.CreateInput as unknown as z.ZodType<Transfer.CreateInput, z.input<typeof Transfer.CreateInput>>;

const createTransfer = createRoute({
  method: "post",
  path: "/transfers",
  summary: "Create a transfer (idempotent per Idempotency-Key)",
  request: {
    headers: z.object({ "idempotency-key": z.string().optional().openapi({ description: "Required; scoped to the caller" }) }),
    body: { required: true, content: { "application/json": { schema: CreateBody } } },
  },
  responses: {
    201: {
      description: "Created (or the original response replayed, with header Idempotent-Replayed: true)",
      content: { "application/json": { schema: z.object(CreatedTransfer.shape) } },
    },
    ...errorResponses,
  },
});

const getTransfer = createRoute({
  method: "get",
  path: "/transfers/{transferId}",
  summary: "A transfer with its status and step history",
  request: { params: z.object({ transferId: z.string().min(1).max(64) }) },
  responses: {
    200: {
      description: "The transfer and the ledger entries its saga wrote",
      content: { "application/json": { schema: z.object(TransferDetail.shape) } },
    },
    ...errorResponses,
  },
});

const listTransfers = createRoute({
  method: "get",
  path: "/transfers",
  summary: "Transfers newest first, by user (sent and received) or across everyone",
  request: {
    query: z.object({
      user: z.optional(UserId),
      status: z.optional(TransferStatus),
      cursor: z.string().max(2048).optional(),
      limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).optional(),
    }),
  },
  responses: {
    200: {
      description: "One page",
      content: { "application/json": { schema: z.object({ items: z.array(Transfer.Info), cursor: z.string().optional() }) } },
    },
    ...errorResponses,
  },
});

const listAccounts = createRoute({
  method: "get",
  path: "/accounts",
  summary: "Every account's balance, with the conservation totals (operators)",
  responses: {
    200: {
      description: "Accounts and invariant checks",
      content: { "application/json": { schema: z.object({ items: z.array(Wallet.AccountInfo), totals: Wallet.Totals }) } },
    },
    ...errorResponses,
  },
});

const getAccount = createRoute({
  method: "get",
  path: "/accounts/{userId}",
  summary: "An account's balance and latest ledger entries",
  request: {
    params: z.object({ userId: UserId }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(LEDGER_LIMIT_MAX).optional() }),
  },
  responses: {
    200: {
      description: "The account",
      content: {
        "application/json": {
          schema: z.object({ ...Wallet.AccountInfo.shape, ledger: z.array(Wallet.LedgerEntry) }),
        },
      },
    },
    ...errorResponses,
  },
});

type AuthorizedEnv = { event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } } };

export function createApp() {
  const app = new OpenAPIHono({
    // Validation failures become the API's error shape, with one entry per bad field.
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(
          { error: { code: ApiErrorCode.VALIDATION_FAILED, message: "The request is invalid", fields: fieldErrors(result.error.issues) } },
          400,
        );
      }
    },
  });
  app.onError((error, c) => errorResponse(c, error));
  // The dashboard is served from another origin (S3/CloudFront, or another local port).
  app.use(
    "*",
    cors({
      origin: "*",
      allowHeaders: ["authorization", "content-type", "idempotency-key"],
      exposeHeaders: ["idempotent-replayed"],
      maxAge: 600,
    }),
  );
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

  app.openapi(createTransfer, async (c) => {
    const { transfer, replayed } = await TransferAccess.create({ idempotencyKey: c.req.valid("header")["idempotency-key"], request: c.req.valid("json") });
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json(createdView(transfer), 201);
  });

  app.openapi(getTransfer, async (c) => c.json(await TransferAccess.get(c.req.valid("param").transferId), 200));

  app.openapi(listTransfers, async (c) => c.json(await TransferAccess.list(c.req.valid("query")), 200));

  app.openapi(listAccounts, async (c) => c.json(await AccountAccess.list(), 200));

  app.openapi(getAccount, async (c) => c.json(await AccountAccess.get(c.req.valid("param").userId, c.req.valid("query")), 200));

  registerOnboardingRoutes(app, errorResponses);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  // Core's zod/mini schemas (UserId, Amount, the wallet's) as classic zod for the generator; validation is unchanged.
  classicSchemas(app.openAPIRegistry.definitions);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "E-wallet transfers", version: "1.0.0", description: "Transfers between wallets, moved by a saga. Errors: { error: { code, message } }." },
    security: [{ bearer: [] }],
  });
  return app;
}
