/**
 * /accounts: every account with the conservation totals (operators), and one account with its
 * latest ledger entries. Opening and funding wallets are onboarding.ts's, on the same path.
 */
import { AccountAccess } from "@ewallet/core/access";
import { UserId } from "@ewallet/core/user";
import { pageLimitQuery } from "@ewallet/core/page";
import { AccountDetail, AccountsResponse, LEDGER_LIMIT_MAX } from "@ewallet/core/transfer/info";
import * as z from "@ewallet/core/util/zod";
import { errorResponses } from "./common.ts";
import { openapi, router, type ApiRoute } from "./route.ts";

/** The path parameter of every route under /accounts/{userId}. */
export const AccountPath = z.object({ userId: UserId });

const list = {
  method: "get",
  path: "/",
  summary: "Every account's balance, with the conservation totals (operators)",
  responses: {
    200: { description: "Accounts and invariant checks", content: { "application/json": { schema: AccountsResponse } } },
    ...errorResponses,
  },
} satisfies ApiRoute;

const get = {
  method: "get",
  path: "/{userId}",
  summary: "An account's balance and latest ledger entries",
  request: {
    params: AccountPath,
    query: z.object({ limit: pageLimitQuery(LEDGER_LIMIT_MAX) }),
  },
  responses: {
    200: { description: "The account", content: { "application/json": { schema: AccountDetail } } },
    ...errorResponses,
  },
} satisfies ApiRoute;

export namespace AccountsApi {
  export const route = router();
  openapi(route, list, async (c) => c.json(await AccountAccess.list(), 200));
  openapi(route, get, async (c) => c.json(await AccountAccess.get(c.req.valid("param").userId, c.req.valid("query")), 200));
}
