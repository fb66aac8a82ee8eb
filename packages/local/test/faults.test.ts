/** Partial failure: steps that fail before or after their commit, and duplicate stream deliveries. */
import { describe, expect, it, vi } from "vitest";
import { State } from "@ewallet/core/saga/definition";
import { pipeSettings } from "@ewallet/core/saga/pipe";
import { useStack } from "./use-stack.ts";

const stack = useStack({ retryScale: 0.001 });


async function ledgerFor(userId: string, transferId: string) {
  const account = await stack.api.getAccount(userId);
  return account.body.ledger.filter((entry: any) => entry.transferId === transferId).map((entry: any) => `${entry.kind} ${entry.amount}`);
}

function executionsOf(transferId: string) {
  return [...stack.runtime.saga.executions.values()].filter((e) => e.transferId === transferId);
}

describe("faults", () => {
  it("retries a debit whose Lambda timed out after its commit, and debits once", async () => {
    stack.runtime.saga.injectFault({ state: State.DebitSender, when: "after", times: 2 });
    const before = [await stack.api.balance("alice"), await stack.api.balance("bob")];
    const created = await stack.api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "7.25" });
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer.status).toBe("SUCCEEDED");
    expect(executionsOf(transfer.transferId)[0]!.states.filter((s) => s === `${State.DebitSender}:retry`)).toHaveLength(2);
    expect(await ledgerFor("alice", transfer.transferId)).toEqual(["DEBIT -7.25"]);
    expect(await ledgerFor("bob", transfer.transferId)).toEqual(["CREDIT 7.25"]);
    expect(await stack.api.balance("alice")).toBe((Number(before[0]) - 7.25).toFixed(2));
    expect(transfer.history.some((h: any) => h.step === "debit" && h.replayed === true)).toBe(true);
  });

  it("logs every step as JSON lines carrying the transfer id", async () => {
    const lines: Record<string, any>[] = [];
    const original = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = String(chunk);
      if (text.startsWith("{")) lines.push(JSON.parse(text));
      else original(chunk, ...rest);
      return true;
    }) as never);
    process.env.LOG_LEVEL = "info";
    try {
      const created = await stack.api.createTransfer({ senderUserId: "bob", receiverUserId: "dave", amount: "0.50" });
      await stack.api.waitForFinal(created.body.transferId);
      const steps = lines.filter((line) => line.step);
      expect(steps.map((line) => `${line.step} ${line.message}`)).toEqual(
        expect.arrayContaining(["start step succeeded", "debit step succeeded", "credit step succeeded", "complete step succeeded"]),
      );
      expect(steps.every((line) => line.transferId === created.body.transferId && line.executionId)).toBe(true);
      expect(lines.some((line) => line.message === "request" && line.method === "POST" && line.status === 201)).toBe(true);
    } finally {
      process.env.LOG_LEVEL = "error";
      vi.restoreAllMocks();
    }
  });

  it("retries a credit that failed after its commit, and credits once", async () => {
    stack.runtime.saga.injectFault({ state: State.CreditReceiver, when: "after", times: 1 });
    const created = await stack.api.createTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "3.00" });
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer.status).toBe("SUCCEEDED");
    expect(await ledgerFor("dave", transfer.transferId)).toEqual(["CREDIT 3.00"]);
  });

  it("reverses the credit and refunds the sender when completion keeps failing", async () => {
    const before = [await stack.api.balance("bob"), await stack.api.balance("carol")];
    stack.runtime.saga.injectFault({ state: State.CompleteTransfer, when: "before", times: Infinity, errorName: "ServiceUnavailable" });
    const created = await stack.api.createTransfer({ senderUserId: "bob", receiverUserId: "carol", amount: "12.00" });
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer.status).toBe("FAILED");
    expect(transfer.failureReason).toBe("ServiceUnavailable");
    const states = executionsOf(transfer.transferId)[0]!.states;
    expect(states).toEqual(expect.arrayContaining([State.BeginCompensation, State.ReverseCredit, State.RefundSender, State.FailTransfer]));
    expect((await ledgerFor("bob", transfer.transferId)).sort()).toEqual(["DEBIT -12.00", "REFUND 12.00"]);
    expect((await ledgerFor("carol", transfer.transferId)).sort()).toEqual(["CREDIT 12.00", "REVERSE -12.00"]);
    expect([await stack.api.balance("bob"), await stack.api.balance("carol")]).toEqual(before);
  });

  it("keeps a completion that committed before failing: no compensation of a SUCCEEDED transfer", async () => {
    stack.runtime.saga.injectFault({ state: State.CompleteTransfer, when: "after", times: Infinity });
    const created = await stack.api.createTransfer({ senderUserId: "dave", receiverUserId: "alice", amount: "4.00" });
    await stack.runtime.quiesce();
    const transfer = (await stack.api.getTransfer(created.body.transferId)).body;
    expect(transfer.status).toBe("SUCCEEDED");
    const states = executionsOf(transfer.transferId)[0]!.states;
    expect(states).toContain(State.BeginCompensation);
    expect(states).not.toContain(State.ReverseCredit);
    expect(await ledgerFor("dave", transfer.transferId)).toEqual(["DEBIT -4.00"]);
    expect(await ledgerFor("alice", transfer.transferId)).toEqual(["CREDIT 4.00"]);
  });

  it("moves money once when the same stream record is delivered twice", async () => {
    const created = await stack.api.createTransfer({ senderUserId: "alice", receiverUserId: "carol", amount: "5.00" });
    await stack.api.waitForFinal(created.body.transferId);
    const record = stack.runtime.pipe.delivered.find((r) => r.dynamodb?.NewImage?.transferId?.S === created.body.transferId)!;
    expect(record).toBeDefined();
    expect(stack.runtime.pipe.deliver(record)).toBe(true);
    expect(stack.runtime.pipe.deliver(record)).toBe(true);
    await stack.runtime.quiesce();
    const executions = executionsOf(created.body.transferId);
    expect(executions).toHaveLength(3);
    expect(executions.slice(1).every((e) => e.status === "SUCCEEDED" && e.states.includes(State.Duplicate))).toBe(true);
    expect(executions.slice(1).every((e) => !e.states.includes(State.DebitSender))).toBe(true);
    expect(await ledgerFor("alice", created.body.transferId)).toEqual(["DEBIT -5.00"]);
    expect(await ledgerFor("carol", created.body.transferId)).toEqual(["CREDIT 5.00"]);
    expect((await stack.api.getTransfer(created.body.transferId)).body.status).toBe("SUCCEEDED");
  });

  it("lets no execution but the owner finish, fail or compensate a transfer in flight", async () => {
    const { stepHandlers } = await import("@ewallet/functions/steps/index");
    const { Transfer } = await import("@ewallet/core/transfer/transfer");
    stack.runtime.saga.rejectStarts(pipeSettings.maximumRetryAttempts + 1); // the pipe dead-letters it: its own execution stays out of the way
    const created = await stack.api.createTransfer({ senderUserId: "dave", receiverUserId: "bob", amount: "2.00" });
    await stack.runtime.quiesce();
    const saga = { transferId: created.body.transferId, senderUserId: "dave", receiverUserId: "bob", amount: "2.00" };
    const owner = "arn:aws:states:local:000000000000:execution:transfer-saga:owner";
    await Transfer.start({ transferId: saga.transferId, executionId: owner });

    // A duplicate execution whose start failed for another reason reaches FailTransfer…
    const duplicate = { saga: { ...saga, error: { Error: "Lambda.TooManyRequestsException", Cause: "Rate exceeded" } }, executionId: "duplicate" };
    await expect(stepHandlers.fail(duplicate)).rejects.toMatchObject({ code: "TRANSFER_INVALID_TRANSITION" });
    await expect(stepHandlers.fail({ ...duplicate, attention: true })).rejects.toMatchObject({ code: "TRANSFER_INVALID_TRANSITION" });
    await expect(stepHandlers.compensate(duplicate)).rejects.toMatchObject({ code: "TRANSFER_INVALID_TRANSITION" });
    await expect(stepHandlers.complete({ saga, executionId: "duplicate" })).rejects.toMatchObject({ code: "TRANSFER_NOT_SUCCEEDABLE" });
    expect((await stack.api.getTransfer(saga.transferId)).body).toMatchObject({ status: "PROCESSING", executionId: owner });

    // …while the owner moves the money and completes.
    await stepHandlers.debit({ saga, executionId: owner });
    await stepHandlers.credit({ saga, executionId: owner });
    await stepHandlers.complete({ saga, executionId: owner });
    expect((await stack.api.getTransfer(saga.transferId)).body.status).toBe("SUCCEEDED");
  });

  it("flags the transfer for a person when a compensation cannot be applied, and never creates money", async () => {
    stack.runtime.saga.injectFault({ state: State.CompleteTransfer, when: "before", times: Infinity });
    stack.runtime.saga.injectFault({ state: State.ReverseCredit, when: "before", times: Infinity });
    const created = await stack.api.createTransfer({ senderUserId: "carol", receiverUserId: "bob", amount: "6.00" });
    const transfer = await stack.api.waitForFinal(created.body.transferId);
    expect(transfer.status).toBe("REQUIRES_ATTENTION");
    // The receiver keeps the credit, so the sender must not have been refunded.
    expect(await ledgerFor("carol", transfer.transferId)).toEqual(["DEBIT -6.00"]);
    expect(await ledgerFor("bob", transfer.transferId)).toEqual(["CREDIT 6.00"]);
  });
});
