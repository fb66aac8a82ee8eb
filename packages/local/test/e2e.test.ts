/** The whole flow through HTTP on the offline stack: API → DynamoDB → stream → pipe → saga → Postgres. */
import { describe, expect, it } from "vitest";
import { DEMO_USERS } from "../src/stack.ts";
import { useStack } from "./use-stack.ts";

const stack = useStack({ retryScale: 0.01 });


const steps = (transfer: { history: { step: string; outcome: string }[] }) => transfer.history.map((h) => `${h.step}:${h.outcome}`);

describe("transfers end to end", () => {
  it("moves the money and reaches SUCCEEDED", async () => {
    const created = await stack.api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "10.00" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "PENDING", amount: "10.00", senderUserId: "alice", receiverUserId: "bob" });
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer.status).toBe("SUCCEEDED");
    expect(steps(transfer)).toEqual(["created:pending", "process:started", "debit:applied", "credit:applied", "complete:succeeded"]);
    expect(await stack.api.balance("alice")).toBe("990.00");
    expect(await stack.api.balance("bob")).toBe("1010.00");
    expect(transfer.ledger.map((e: any) => `${e.userId} ${e.kind} ${e.amount}`).sort()).toEqual(["alice DEBIT -10.00", "bob CREDIT 10.00"]);
    const accounts = await stack.api.call("GET", "/accounts");
    expect(accounts.status).toBe(200);
    expect(accounts.body.items.map((a: any) => a.userId)).toEqual(expect.arrayContaining([...DEMO_USERS]));
    expect(accounts.body.totals).toMatchObject({ sumOfBalances: "0.00", inTransit: "0.00", accountsWithLedgerMismatch: 0 });
  });

  it("fails on insufficient funds without moving money or refunding", async () => {
    const created = await stack.api.createTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "5000.00" });
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer).toMatchObject({ status: "FAILED", failureReason: "INSUFFICIENT_FUNDS" });
    expect(steps(transfer)).not.toContain("refund:applied");
    expect(steps(transfer).some((s) => s.startsWith("refund"))).toBe(false);
    const execution = [...stack.runtime.saga.executions.values()].find((e) => e.transferId === created.body.transferId)!;
    expect(execution.states).not.toContain("RefundSender");
    expect(await stack.api.balance("carol")).toBe("1000.00");
    expect(await stack.api.balance("dave")).toBe("1000.00");
    expect((await stack.api.getAccount("carol")).body.ledger.filter((e: any) => e.transferId === created.body.transferId)).toEqual([]);
  });

  it("refunds the sender when the receiver does not exist", async () => {
    const before = await stack.api.balance("dave");
    const created = await stack.api.createTransfer({ senderUserId: "dave", receiverUserId: "nobody", amount: "25.50" });
    expect(created.status).toBe(201);
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer).toMatchObject({ status: "FAILED", failureReason: "ACCOUNT_NOT_FOUND" });
    expect(steps(transfer)).toEqual(expect.arrayContaining(["debit:applied", "credit:error", "refund:applied", "fail:failed"]));
    expect(await stack.api.balance("dave")).toBe(before);
    const ledger = (await stack.api.getAccount("dave")).body.ledger.filter((e: any) => e.transferId === created.body.transferId);
    expect(ledger.map((e: any) => [e.kind, e.amount]).sort()).toEqual([["DEBIT", "-25.50"], ["REFUND", "25.50"]]);
  });

  it("replays the first response for the same key and body", async () => {
    const key = `replay-${Date.now()}`;
    const body = { senderUserId: "bob", receiverUserId: "carol", amount: "1.00" };
    const first = await stack.api.createTransfer(body, key);
    await stack.api.waitForFinal(first.body.transferId);
    const again = await stack.api.createTransfer({ ...body, amount: "1" }, key);
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
  });

  it("refuses the same key with a different body (422) and moves nothing more", async () => {
    const key = `conflict-${Date.now()}`;
    const first = await stack.api.createTransfer({ senderUserId: "bob", receiverUserId: "carol", amount: "2.00" }, key);
    expect(first.status).toBe(201);
    const other = await stack.api.createTransfer({ senderUserId: "bob", receiverUserId: "carol", amount: "3.00" }, key);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(typeof other.body.error.message).toBe("string");
  });

  it("requires an Idempotency-Key", async () => {
    const response = await stack.api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "1.00" }, null);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("IDEMPOTENCY_KEY_REQUIRED");
  });

  it("rejects invalid bodies with field errors and writes nothing", async () => {
    const before = (await stack.api.listTransfers({ limit: "100" })).body.items.length;
    const bad = [
      { senderUserId: "alice", receiverUserId: "bob", amount: "0" },
      { senderUserId: "alice", receiverUserId: "bob", amount: "-1.00" },
      { senderUserId: "alice", receiverUserId: "bob", amount: "1.001" },
      { senderUserId: "alice", receiverUserId: "bob", amount: "1e3" },
      { senderUserId: "alice", receiverUserId: "bob", amount: 10 },
      { senderUserId: "alice", receiverUserId: "bob", amount: "99999999999999" },
      { senderUserId: "alice", receiverUserId: "alice", amount: "1.00" },
      { senderUserId: "alice", amount: "1.00" },
    ];
    for (const body of bad) {
      const response = await stack.api.createTransfer(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("INVALID_TRANSFER_REQUEST");
      expect(response.body.error.fields.length).toBeGreaterThan(0);
    }
    const malformed = await stack.api.call("POST", "/transfers", { body: "{not json", headers: { "idempotency-key": "k-malformed" } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("BAD_REQUEST");
    const notJson = await stack.api.call("POST", "/transfers", { body: "amount=1", headers: { "idempotency-key": "k-form", "content-type": "text/plain" } });
    expect(notJson.status).toBe(415);
    expect(notJson.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect((await stack.api.listTransfers({ limit: "100" })).body.items.length).toBe(before);
    expect(await stack.api.balance("alice")).toBe("990.00");
  });

  it("lists a user's transfers newest first and reads accounts", async () => {
    const list = await stack.api.listTransfers({ user: "alice" });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    const times = list.body.items.map((t: any) => t.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await stack.api.getAccount("nobody")).status).toBe(404);
    expect((await stack.api.getTransfer("01JNOTATRANSFER0000000000")).status).toBe(404);
    const unknown = await stack.api.call("GET", "/nowhere");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
  });
});
