/** Issue 14, finding 6: the offline saga runtime forgets old finished executions (bounded memory). */
import { describe, expect, it } from "vitest";
import { State } from "@ewallet/core/saga/definition";
import { DEMO_USERS } from "../src/stack.ts";
import { useStack } from "./use-stack.ts";

const RETAIN = 5;
const stack = useStack({ retryScale: 0.001, retainFinishedExecutions: RETAIN });


describe("saga runtime retention", () => {
  it("keeps at most the newest finished executions, and recent ones stay describable", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4 * RETAIN; i++) {
      const created = await stack.api.createTransfer({ senderUserId: DEMO_USERS[i % 4]!, receiverUserId: DEMO_USERS[(i + 1) % 4]!, amount: "0.01" });
      ids.push(created.body.transferId);
    }
    // One more that runs out of funds: its execution ends at the Fail state, a decided outcome.
    ids.push((await stack.api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "99999.00" })).body.transferId);
    await stack.runtime.quiesce();
    expect(stack.runtime.saga.executions.size).toBeLessThanOrEqual(RETAIN);
    const last = (await stack.api.getTransfer(ids.at(-1)!)).body;
    expect(last.status).toBe("FAILED");
    expect(await stack.runtime.saga.describe(last.executionId)).toEqual({ status: "FAILED", redrivable: true });
    const first = (await stack.api.getTransfer(ids[0]!)).body;
    expect(await stack.runtime.saga.describe(first.executionId)).toBeUndefined();
  });

  it("keeps an execution that failed at a task (the sweep may redrive it), and its redrive works", async () => {
    stack.runtime.saga.injectFault({ state: State.FailTransfer, when: "before", times: Infinity });
    const stuck = (await stack.api.createTransfer({ senderUserId: "bob", receiverUserId: "carol", amount: "99999.00" })).body.transferId;
    await stack.runtime.quiesce();
    stack.runtime.saga.clearFaults();
    for (let i = 0; i < 2 * RETAIN; i++) await stack.api.createTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "0.01" });
    await stack.runtime.quiesce();
    const transfer = (await stack.api.getTransfer(stuck)).body;
    expect(transfer.status).toBe("PROCESSING");
    expect(await stack.runtime.saga.describe(transfer.executionId)).toEqual({ status: "FAILED", redrivable: true });
    await stack.runtime.saga.redrive(transfer.executionId);
    expect((await stack.api.waitForFinal(stuck)).status).toBe("FAILED");
    expect(stack.runtime.saga.executions.size).toBeLessThanOrEqual(RETAIN);
  });
});
