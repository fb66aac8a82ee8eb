/** The stuck-transfer sweep against the real runtime: restart never-started sagas, redrive failed ones, flag the rest. */
import { beforeAll, describe, expect, it } from "vitest";
import { State } from "@ewallet/core/saga/definition";
import { pipeSettings } from "@ewallet/core/saga/pipe";
import { useStack } from "./use-stack.ts";

const stack = useStack({ retryScale: 0.001 });
let sweep: typeof import("@ewallet/core/saga/sweep").sweepStuckTransfers;
let Transfer: typeof import("@ewallet/core/transfer/transfer").Transfer;
let Wallet: typeof import("@ewallet/core/wallet/wallet").Wallet;

beforeAll(async () => {
  ({ sweepStuckTransfers: sweep } = await import("@ewallet/core/saga/sweep"));
  ({ Transfer } = await import("@ewallet/core/transfer/transfer"));
  ({ Wallet } = await import("@ewallet/core/wallet/wallet"));
});

describe("stuck-transfer sweep", () => {
  it("lets the pipe retry a failed start before dead-lettering it", async () => {
    stack.runtime.saga.rejectStarts(pipeSettings.maximumRetryAttempts);
    const created = await stack.api.createTransfer({ senderUserId: "bob", receiverUserId: "alice", amount: "1.00" });
    await stack.runtime.quiesce();
    expect(stack.runtime.pipe.deadLetters).toHaveLength(0);
    expect((await stack.api.getTransfer(created.body.transferId)).body.status).toBe("SUCCEEDED");
  });

  it("starts the saga of a transfer whose start was dead-lettered by the pipe", async () => {
    stack.runtime.saga.rejectStarts(pipeSettings.maximumRetryAttempts + 1); // every attempt of the pipe fails: dead-lettered
    const created = await stack.api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "3.00" });
    await stack.runtime.quiesce();
    expect(stack.runtime.pipe.deadLetters).toHaveLength(1);
    expect((await stack.api.getTransfer(created.body.transferId)).body.status).toBe("PENDING");

    const report = await sweep({ olderThanMs: 0, control: stack.runtime.saga });
    expect(report.actions).toEqual([expect.objectContaining({ transferId: created.body.transferId, action: "started" })]);
    expect(report.errors).toEqual([]);
    await stack.runtime.quiesce();
    expect((await stack.api.getTransfer(created.body.transferId)).body.status).toBe("SUCCEEDED");
    expect(await stack.api.balance("alice")).toBe("998.00");
  });

  it("redrives a saga that failed while the transfer was PROCESSING, and it finishes correctly", async () => {
    // The final status write keeps failing until its retries run out: the execution fails mid-saga.
    stack.runtime.saga.injectFault({ state: State.FailTransfer, when: "before", times: Infinity });
    const created = await stack.api.createTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "5000.00" });
    await stack.runtime.quiesce();
    const stuck = (await stack.api.getTransfer(created.body.transferId)).body;
    expect(stuck.status).toBe("PROCESSING");
    expect((await stack.runtime.saga.describe(stuck.executionId))?.status).toBe("FAILED");
    stack.runtime.saga.clearFaults();
    // Carol could now afford it; a redrive resumes at the failed state, so the refused debit stays refused.
    await Wallet.deposit({ reference: "top-up-before-redrive", userId: "carol", amount: "5000.00" });

    const report = await sweep({ olderThanMs: 0, control: stack.runtime.saga });
    expect(report.actions).toEqual([expect.objectContaining({ transferId: stuck.transferId, action: "redriven", detail: "FAILED" })]);
    expect(report.errors).toEqual([]);
    await stack.runtime.quiesce();
    const final = (await stack.api.getTransfer(stuck.transferId)).body;
    expect(final).toMatchObject({ status: "FAILED", failureReason: "INSUFFICIENT_FUNDS" });
    expect([await stack.api.balance("carol"), await stack.api.balance("dave")]).toEqual(["6000.00", "1000.00"]);
    const states = stack.runtime.saga.executions.get(stuck.executionId)!.states;
    expect(states.slice(states.indexOf("(redrive)") + 1)).toEqual([State.FailTransfer, State.TransferFailed]);
  });

  it("stops redriving a saga that keeps failing and flags it for a person", async () => {
    const { MAX_REDRIVES } = await import("@ewallet/core/saga/sweep");
    stack.runtime.saga.injectFault({ state: State.FailTransfer, when: "before", times: Infinity });
    const created = await stack.api.createTransfer({ senderUserId: "dave", receiverUserId: "alice", amount: "9000.00" });
    await stack.runtime.quiesce();
    for (let redrive = 1; redrive <= MAX_REDRIVES; redrive++) {
      const report = await sweep({ olderThanMs: 0, control: stack.runtime.saga });
      expect(report.actions).toEqual([expect.objectContaining({ transferId: created.body.transferId, action: "redriven" })]);
      expect(report.errors).toEqual([]);
      await stack.runtime.quiesce();
    }
    const report = await sweep({ olderThanMs: 0, control: stack.runtime.saga });
    expect(report.actions).toEqual([expect.objectContaining({ action: "flagged", detail: `execution FAILED after ${MAX_REDRIVES} redrives` })]);
    expect(report.errors).toEqual([]);
    const transfer = (await stack.api.getTransfer(created.body.transferId)).body;
    expect(transfer).toMatchObject({ status: "REQUIRES_ATTENTION", failureReason: "STUCK_SAGA" });
    expect(transfer.history.filter((h: any) => h.step === "sweep").map((h: any) => h.outcome)).toEqual([
      ...Array(MAX_REDRIVES).fill("redriven"),
      "requires attention",
    ]);
  });

  it("flags a PROCESSING transfer whose execution cannot be found", async () => {
    stack.runtime.saga.rejectStarts(pipeSettings.maximumRetryAttempts + 1); // every attempt of the pipe fails: dead-lettered
    const created = await stack.api.createTransfer({ senderUserId: "dave", receiverUserId: "carol", amount: "1.00" });
    await stack.runtime.quiesce();
    // Marked PROCESSING by an execution this state machine does not know.
    const transferId = created.body.transferId;
    await Transfer.start({ transferId, executionId: "arn:aws:states:local:000000000000:execution:transfer-saga:gone" });

    const report = await sweep({ olderThanMs: 0, control: stack.runtime.saga });
    expect(report.actions).toEqual([expect.objectContaining({ transferId, action: "flagged", detail: "no execution found" })]);
    expect(report.errors).toEqual([]);
    expect((await stack.api.getTransfer(transferId)).body).toMatchObject({ status: "REQUIRES_ATTENTION", failureReason: "STUCK_SAGA" });
  });
});
