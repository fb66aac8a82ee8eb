/**
 * Wallet onboarding routes: POST /accounts (open your own wallet) and
 * POST /accounts/{userId}/deposits (operators fund a wallet from the treasury).
 * Declared from core's zod schemas, like every other route; the rules are in core's Onboarding.
 */
import { createRoute, z, type OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { Onboarding } from "@ewallet/core/wallet/onboarding";
import { Wallet } from "@ewallet/core/wallet/wallet";
import { UserId } from "@ewallet/core/user";

/** Registers the routes on the app; `errorResponses` is the app's shared error section of the OpenAPI document. */
export function registerOnboardingRoutes(app: OpenAPIHono, errorResponses: RouteConfig["responses"]) {
  const openAccount = createRoute({
    method: "post",
    path: "/accounts",
    summary: "Open the caller's own wallet (idempotent)",
    responses: {
      201: { description: "Opened", content: { "application/json": { schema: Onboarding.OpenedAccount } } },
      200: { description: "Already open: the same body as when it was opened", content: { "application/json": { schema: Onboarding.OpenedAccount } } },
      ...errorResponses,
    },
  });

  const deposit = createRoute({
    method: "post",
    path: "/accounts/{userId}/deposits",
    summary: "Move money from the treasury to a wallet (operators; idempotent per Idempotency-Key)",
    request: {
      params: z.object({ userId: UserId }),
      headers: z.object({ "idempotency-key": z.string().optional().openapi({ description: "Required; scoped to the operator" }) }),
      body: { required: true, content: { "application/json": { schema: Onboarding.DepositInput } } },
    },
    responses: {
      201: {
        description: "The wallet's ledger entry (or the first response replayed, with header Idempotent-Replayed: true)",
        // core defines it in zod/mini (light for the wallet steps); a response schema is typed as classic zod.
        content: { "application/json": { schema: z.object(Wallet.LedgerEntry.shape) } },
      },
      ...errorResponses,
    },
  });

  app.openapi(openAccount, async (c) => {
    const { account, created } = await Onboarding.openOwnAccount();
    return created ? c.json(account, 201) : c.json(account, 200);
  });

  app.openapi(deposit, async (c) => {
    const { userId } = c.req.valid("param");
    const { entry, replayed } = await Onboarding.deposit({
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      userId,
      request: c.req.valid("json"),
    });
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json(entry, 201);
  });
}
