/**
 * Wallet onboarding, on /accounts: POST /accounts (open your own wallet) and
 * POST /accounts/{userId}/deposits (operators fund a wallet from the treasury).
 * The rules, the caller's included, are in core's Onboarding.
 */
import { Onboarding } from "@ewallet/core/wallet/onboarding";
import { LedgerEntry } from "@ewallet/core/wallet/schema";
import { AccountPath } from "./accounts.ts";
import { errorResponses, idempotencyKeyHeader } from "./common.ts";
import { openapi, router, type ApiRoute } from "./route.ts";

const openAccount = {
  method: "post",
  path: "/",
  summary: "Open the caller's own wallet (idempotent)",
  responses: {
    201: { description: "Opened", content: { "application/json": { schema: Onboarding.OpenedAccount } } },
    200: { description: "Already open: the same body as when it was opened", content: { "application/json": { schema: Onboarding.OpenedAccount } } },
    ...errorResponses,
  },
} satisfies ApiRoute;

const deposit = {
  method: "post",
  path: "/{userId}/deposits",
  summary: "Move money from the treasury to a wallet (operators; idempotent per Idempotency-Key)",
  request: {
    params: AccountPath,
    headers: idempotencyKeyHeader("operator"),
    body: { required: true, content: { "application/json": { schema: Onboarding.DepositInput } } },
  },
  responses: {
    201: {
      description: "The wallet's ledger entry (or the first response replayed, with header Idempotent-Replayed: true)",
      content: { "application/json": { schema: LedgerEntry } },
    },
    ...errorResponses,
  },
} satisfies ApiRoute;

export namespace OnboardingApi {
  export const route = router();

  openapi(route, openAccount, async (c) => {
    const { account, created } = await Onboarding.openOwnAccount();
    return created ? c.json(account, 201) : c.json(account, 200);
  });

  openapi(route, deposit, async (c) => {
    const { entry, replayed } = await Onboarding.deposit({
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      userId: c.req.valid("param").userId,
      request: c.req.valid("json"),
    });
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json(entry, 201);
  });
}
