/**
 * Wallet onboarding through HTTP on the offline stack (issue 10): a new user opens a wallet,
 * an operator funds it, a replay moves nothing, a non-operator is refused, the new user pays a
 * demo wallet through the saga, and money is conserved throughout.
 */
import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { DEMO_USERS } from "../src/stack.ts";
import { useStack } from "./use-stack.ts";
import { OPERATOR, type Caller } from "./api-client.ts";

const stack = useStack({ retryScale: 0.01 });


const deposit = (userId: string, body: unknown, key: string | null, as: Caller = OPERATOR) =>
  stack.api.call("POST", `/accounts/${userId}/deposits`, { body, as, headers: key === null ? {} : { "idempotency-key": key } });

async function conserved() {
  const { body } = await stack.api.call("GET", "/accounts");
  return body.totals;
}

describe("wallet onboarding", () => {
  it("a new user opens a wallet, is funded once, pays a demo wallet, and money is conserved", async () => {
    const erin = `erin-${randomUUID().slice(0, 8)}`;
    const opened = await stack.api.call("POST", "/accounts", { as: erin });
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({ userId: erin, kind: "user", createdAt: expect.any(String) });
    const again = await stack.api.call("POST", "/accounts", { as: erin });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(opened.body);

    const key = randomUUID();
    const first = await deposit(erin, { amount: "50.00" }, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ userId: erin, kind: "DEPOSIT", amount: "50.00", balanceAfter: "50.00" });
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const replay = await deposit(erin, { amount: "50" }, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect(await stack.api.balance(erin)).toBe("50.00");
    const ledger = (await stack.api.getAccount(erin)).body.ledger;
    expect(ledger.filter((e: { kind: string }) => e.kind === "DEPOSIT")).toHaveLength(1);
    expect(await conserved()).toMatchObject({ conserved: true, drift: "0.00", inTransit: "0.00" });

    const created = await stack.api.createTransfer({ senderUserId: erin, receiverUserId: "alice", amount: "20.00" });
    expect(created.status).toBe(201);
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer.status).toBe("SUCCEEDED");
    expect(await stack.api.balance(erin)).toBe("30.00");
    await stack.runtime.quiesce();
    expect(await conserved()).toMatchObject({ conserved: true, drift: "0.00", sumOfBalances: "0.00", inTransit: "0.00" });
  });

  it("lets only operators deposit (403, nothing moved)", async () => {
    const before = await stack.api.balance("bob");
    const refused = await deposit("bob", { amount: "50.00" }, randomUUID(), "bob");
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "FORBIDDEN", message: expect.any(String) });
    expect(await stack.api.balance("bob")).toBe(before);
    expect((await deposit("bob", { amount: "50.00" }, randomUUID(), null)).status).toBe(401);
  });

  it("refuses a reused key with another body (422), a missing key (400), bad amounts (400), unknown wallets (404)", async () => {
    const key = randomUUID();
    expect((await deposit("carol", { amount: "5.00" }, key)).status).toBe(201);
    const before = await stack.api.balance("carol");
    for (const other of [
      () => deposit("carol", { amount: "6.00" }, key),
      () => deposit("dave", { amount: "5.00" }, key),
      () => deposit("nobody-here", { amount: "5.00" }, key),
    ]) {
      const response = await other();
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    expect(await stack.api.balance("carol")).toBe(before);

    const missing = await deposit("carol", { amount: "5.00" }, null);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    const invalid = await deposit("carol", { amount: "-1" }, randomUUID());
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields.map((f: { path: string }) => f.path)).toContain("amount");
    const unknown = await deposit("nobody-here", { amount: "5.00" }, randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("ACCOUNT_NOT_FOUND");
    expect((await conserved()).conserved).toBe(true);
  });

  it("funds concurrent replays of one key exactly once", async () => {
    const frank = `frank-${randomUUID().slice(0, 8)}`;
    expect((await stack.api.call("POST", "/accounts", { as: frank })).status).toBe(201);
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 8 }, () => deposit(frank, { amount: "12.34" }, key)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
    expect(await stack.api.balance(frank)).toBe("12.34");
  });

  it("describes both routes in the OpenAPI document", async () => {
    const { body } = await stack.api.call("GET", "/openapi.json", { as: null });
    expect(Object.keys(body.paths["/accounts"].post.responses)).toEqual(expect.arrayContaining(["200", "201", "401"]));
    const depositOp = body.paths["/accounts/{userId}/deposits"].post;
    expect(depositOp.requestBody.content["application/json"].schema.required).toEqual(["amount"]);
    expect(depositOp.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["userId", "idempotency-key"]));
    expect(Object.keys(depositOp.responses)).toEqual(expect.arrayContaining(["201", "403", "422"]));
  });

  it("opened and funded the demo wallets through these routes", async () => {
    for (const user of DEMO_USERS) {
      const { body } = await stack.api.call("GET", `/accounts/${user}?limit=200`);
      const deposits = body.ledger.filter((e: { kind: string }) => e.kind === "DEPOSIT");
      expect(deposits.at(-1)).toMatchObject({ amount: "1000.00", transferId: expect.stringMatching(/^dep-[0-9a-f]{64}$/) });
    }
  });
});
