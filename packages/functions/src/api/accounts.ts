/**
 * /accounts: every account with the conservation totals (operators), and one account with its
 * latest ledger entries. Opening and funding wallets are onboarding.ts's, on the same path.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { AccountAccess } from "@ewallet/core/access";
import { UserId } from "@ewallet/core/user";
import { AccountDetail, AccountsResponse, LEDGER_LIMIT_MAX } from "@ewallet/core/transfer/info";
import { errorResponses, router } from "./common.ts";

/** The path parameter of every route under /accounts/{userId}. */
export const AccountPath = z.object({ userId: UserId });

const list = createRoute({
  method: "get",
  path: "/",
  summary: "Every account's balance, with the conservation totals (operators)",
  responses: {
    200: { description: "Accounts and invariant checks", content: { "application/json": { schema: z.object(AccountsResponse.shape) } } },
    ...errorResponses,
  },
});

const get = createRoute({
  method: "get",
  path: "/{userId}",
  summary: "An account's balance and latest ledger entries",
  request: {
    params: AccountPath,
    query: z.object({ limit: z.coerce.number().int().min(1).max(LEDGER_LIMIT_MAX).optional() }),
  },
  responses: {
    200: { description: "The account", content: { "application/json": { schema: z.object(AccountDetail.shape) } } },
    ...errorResponses,
  },
});

export namespace AccountsApi {
  export const route = router();
  route.openapi(list, async (c) => c.json(await AccountAccess.list(), 200));
  route.openapi(get, async (c) => c.json(await AccountAccess.get(c.req.valid("param").userId, c.req.valid("query")), 200));
}
