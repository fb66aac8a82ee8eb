/**
 * Wallet onboarding, on /accounts: POST /accounts (open your own wallet) and
 * POST /accounts/{userId}/deposits (operators fund a wallet from the treasury).
 * The rules, the caller's included, are in core's Onboarding.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { Onboarding } from "@ewallet/core/wallet/onboarding";
import { LedgerEntry } from "@ewallet/core/wallet/schema";
import { AccountPath } from "./accounts.ts";
import { errorResponses, idempotencyKeyHeader, router } from "./common.ts";

const openAccount = createRoute({
  method: "post",
  path: "/",
  summary: "Open the caller's own wallet (idempotent)",
  responses: {
    201: { description: "Opened", content: { "application/json": { schema: Onboarding.OpenedAccount } } },
    200: { description: "Already open: the same body as when it was opened", content: { "application/json": { schema: Onboarding.OpenedAccount } } },
    ...errorResponses,
  },
});

const deposit = createRoute({
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
      // core defines it in zod/mini (light for the wallet steps); a response schema is typed as classic zod.
      content: { "application/json": { schema: z.object(LedgerEntry.shape) } },
    },
    ...errorResponses,
  },
});

export namespace OnboardingApi {
  export const route = router();

  route.openapi(openAccount, async (c) => {
    const { account, created } = await Onboarding.openOwnAccount();
    return created ? c.json(account, 201) : c.json(account, 200);
  });

  route.openapi(deposit, async (c) => {
    const { entry, replayed } = await Onboarding.deposit({
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      userId: c.req.valid("param").userId,
      request: c.req.valid("json"),
    });
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json(entry, 201);
  });
}
