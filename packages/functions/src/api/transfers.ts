/**
 * /transfers: create one (idempotent per Idempotency-Key), read one, list them. Core's
 * TransferAccess applies the caller's rules and validates what only it knows (the create
 * body, a transfer id); the routes describe them and shape the answers.
 */
import { TransferAccess } from "@ewallet/core/access";
import { UserId } from "@ewallet/core/user";
import { pageLimitQuery } from "@ewallet/core/page";
import { CreatedTransfer, CreateInput, LIST_LIMIT_MAX, TransferDetail, TransferId, TransferPage, TransferStatus, createdView } from "@ewallet/core/transfer/info";
import * as z from "@ewallet/core/util/zod";
import { errorResponses, idempotencyKeyHeader } from "./common.ts";
import { openapi, router, validatedByCore, type ApiRoute } from "./route.ts";

const create = {
  method: "post",
  path: "/",
  summary: "Create a transfer (idempotent per Idempotency-Key)",
  request: {
    headers: idempotencyKeyHeader("caller"),
    body: { required: true, content: { "application/json": { schema: CreateInput } } },
  },
  responses: {
    201: {
      description: "Created (or the original response replayed, with header Idempotent-Replayed: true)",
      content: { "application/json": { schema: CreatedTransfer } },
    },
    ...errorResponses,
  },
} satisfies ApiRoute;

const get = {
  method: "get",
  path: "/{transferId}",
  summary: "A transfer with its status and step history",
  request: { params: z.object({ transferId: TransferId }) },
  responses: {
    200: {
      description: "The transfer and the ledger entries its saga wrote",
      content: { "application/json": { schema: TransferDetail } },
    },
    ...errorResponses,
  },
} satisfies ApiRoute;

const list = {
  method: "get",
  path: "/",
  summary: "Transfers newest first, by user (sent and received) or across everyone",
  request: {
    query: z.object({
      user: z.optional(UserId),
      status: z.optional(TransferStatus),
      cursor: z.optional(z.string().check(z.maxLength(2048))),
      limit: pageLimitQuery(LIST_LIMIT_MAX),
    }),
  },
  responses: {
    200: { description: "One page", content: { "application/json": { schema: TransferPage } } },
    ...errorResponses,
  },
} satisfies ApiRoute;

export namespace TransfersApi {
  export const route = router();

  // The body and the id are core's to judge: INVALID_TRANSFER_REQUEST for a bad body, 404 for an id that is none.
  validatedByCore(route, create, async (c, { body }) => {
    const { transfer, replayed } = await TransferAccess.create({ idempotencyKey: c.req.header("idempotency-key"), request: body });
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json(createdView(transfer), 201);
  });

  validatedByCore(route, get, async (c) => c.json(await TransferAccess.get(c.req.param("transferId") ?? ""), 200));

  openapi(route, list, async (c) => c.json(await TransferAccess.list(c.req.valid("query")), 200));
}
