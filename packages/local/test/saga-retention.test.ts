/** Issue 14, finding 6: the offline saga runtime forgets old finished executions (bounded memory). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { State } from "@ewallet/core/saga/definition";
import { DEMO_USERS, startRuntime, type Runtime } from "../src/stack.ts";
import { apiClient } from "./api-client.ts";

const RETAIN = 5;
let runtime: Runtime;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startRuntime({ seed: DEMO_USERS, retryScale: 0.001, retainFinishedExecutions: RETAIN });
  api = apiClient(runtime.apiUrl, runtime.token);
});
afterAll(async () => {
  await runtime?.stop();
});

describe("saga runtime retention", () => {
  it("keeps at most the newest finished executions, and recent ones stay describable", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4 * RETAIN; i++) {
      const created = await api.createTransfer({ senderUserId: DEMO_USERS[i % 4]!, receiverUserId: DEMO_USERS[(i + 1) % 4]!, amount: "0.01" });
      ids.push(created.body.transferId);
    }
    // One more that runs out of funds: its execution ends at the Fail state, a decided outcome.
    ids.push((await api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "99999.00" })).body.transferId);
    await runtime.quiesce();
    expect(runtime.saga.executions.size).toBeLessThanOrEqual(RETAIN);
    const last = (await api.getTransfer(ids.at(-1)!)).body;
    expect(last.status).toBe("FAILED");
    expect(await runtime.saga.describe(last.executionId)).toEqual({ status: "FAILED", redrivable: true });
    const first = (await api.getTransfer(ids[0]!)).body;
    expect(await runtime.saga.describe(first.executionId)).toBeUndefined();
  });

  it("keeps an execution that failed at a task (the sweep may redrive it), and its redrive works", async () => {
    runtime.saga.injectFault({ state: State.FailTransfer, when: "before", times: Infinity });
    const stuck = (await api.createTransfer({ senderUserId: "bob", receiverUserId: "carol", amount: "99999.00" })).body.transferId;
    await runtime.quiesce();
    runtime.saga.clearFaults();
    for (let i = 0; i < 2 * RETAIN; i++) await api.createTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "0.01" });
    await runtime.quiesce();
    const transfer = (await api.getTransfer(stuck)).body;
    expect(transfer.status).toBe("PROCESSING");
    expect(await runtime.saga.describe(transfer.executionId)).toEqual({ status: "FAILED", redrivable: true });
    await runtime.saga.redrive(transfer.executionId);
    expect((await api.waitForFinal(stuck)).status).toBe("FAILED");
    expect(runtime.saga.executions.size).toBeLessThanOrEqual(RETAIN);
  });
});
