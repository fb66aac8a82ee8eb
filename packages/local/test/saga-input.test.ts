/**
 * The state machine's one input contract (core's ExecutionInput), through the real pipe path:
 * DynamoDB Local's stream → the offline pipe (Pipes event, filter, template, batch array) → the
 * saga runtime; and what the sweep sends, offline and to the AWS SDK.
 *
 * AWS: "Amazon EventBridge Pipes batching and concurrency",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html —
 * "If the enrichment or target doesn't have a batch API but receives full JSON payloads, such as
 * Lambda and Step Functions, the entire JSON array is sent in one request. The request will be
 * sent as a JSON array even if the batch size is 1."
 * AWS: "RedriveExecution" (Step Functions API Reference),
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html —
 * request `{ "clientToken": "string", "executionArn": "string" }`: "it continues the failed
 * execution from the unsuccessful step and uses the same input".
 * AWS: "StartExecution" (Step Functions API Reference),
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html —
 * request `{ "input": "string", "name": "string", "stateMachineArn": "string", "traceHeader": "string" }`.
 */
import { describe, expect, it } from "vitest";
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { INVALID_EXECUTION_INPUT, State } from "@ewallet/core/saga/definition";
import { pipeSettings } from "@ewallet/core/saga/pipe";
import { ExecutionInput } from "@ewallet/core/saga/document";
import { useStack } from "./use-stack.ts";

const stack = useStack({ retryScale: 0.001 });


const executionsOf = (transferId: string) => [...stack.runtime.saga.executions.values()].filter((e) => e.transferId === transferId);

/** A transfer whose pipe start was dead-lettered: it stays PENDING, with its stream record at hand. */
async function deadLetteredTransfer(body: { senderUserId: string; receiverUserId: string; amount: string }) {
  stack.runtime.saga.rejectStarts(pipeSettings.maximumRetryAttempts + 1);
  const created = await stack.api.createTransfer(body);
  await stack.runtime.quiesce();
  const letter = stack.runtime.pipe.deadLetters.find((l) => l.record.dynamodb?.NewImage?.transferId?.S === created.body.transferId);
  expect(letter).toBeDefined();
  return { transferId: created.body.transferId as string, record: letter!.record };
}

describe("the saga's input contract", () => {
  it("is what the pipe sends: a JSON array of one transfer, which the saga runs to SUCCEEDED", async () => {
    const created = await stack.api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "7.00" });
    expect((await stack.api.waitForFinal(created.body.transferId)).status).toBe("SUCCEEDED");
    const [execution] = executionsOf(created.body.transferId);
    expect(Array.isArray(execution!.input)).toBe(true);
    expect(execution!.input).toEqual([{ transferId: created.body.transferId, senderUserId: "alice", receiverUserId: "bob", amount: "7.00" }]);
    expect(ExecutionInput.safeParse(execution!.input).success).toBe(true);
    expect(execution!.states.slice(0, 3)).toEqual([State.ReadBatch, State.OneTransfer, State.StartTransfer]);
  });

  it("is refused before any step runs when it is anything else: a bare transfer, a batch of two", async () => {
    const transfer = { transferId: "01JNOTSTARTED0000000000000", senderUserId: "alice", receiverUserId: "bob", amount: "1.00" };
    const bare = stack.runtime.saga.startExecution(transfer);
    const pair = stack.runtime.saga.startExecution([transfer, { ...transfer, transferId: "01JNOTSTARTED0000000000001" }]);
    await stack.runtime.saga.drain();
    const [bareRun, pairRun] = [stack.runtime.saga.executions.get(bare)!, stack.runtime.saga.executions.get(pair)!];
    expect(bareRun.status).toBe("FAILED");
    expect(bareRun.states).toEqual([State.ReadBatch]);
    expect(pairRun).toMatchObject({ status: "FAILED", errorName: INVALID_EXECUTION_INPUT });
    expect(pairRun.states).toEqual([State.ReadBatch, State.OneTransfer, State.InvalidInput]);
  });

  it("is what the sweep restarts with: the very input the pipe would have sent", async () => {
    const { sweepStuckTransfers } = await import("@ewallet/core/saga/sweep");
    const { transferId, record } = await deadLetteredTransfer({ senderUserId: "bob", receiverUserId: "carol", amount: "2.00" });
    const report = await sweepStuckTransfers({ olderThanMs: 0, control: stack.runtime.saga });
    expect(report.actions).toEqual([expect.objectContaining({ transferId, action: "started" })]);
    await stack.runtime.quiesce();
    const [restarted] = executionsOf(transferId);
    expect(restarted!.input).toEqual(stack.runtime.pipe.targetInput(record));
    expect(restarted!.status).toBe("SUCCEEDED");
  });

  it("is what the sweep sends to Step Functions: StartExecution's input as the pipe's, RedriveExecution with the execution ARN only", async () => {
    const { sweepStuckTransfers } = await import("@ewallet/core/saga/sweep");
    const { stepFunctionsControl } = await import("@ewallet/core/saga/executions");
    const { Transfer } = await import("@ewallet/core/transfer/transfer");
    const pending = await deadLetteredTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "3.00" });
    const processing = await deadLetteredTransfer({ senderUserId: "dave", receiverUserId: "alice", amount: "4.00" });
    const executionArn = "arn:aws:states:eu-west-1:123456789012:execution:Saga:failed-one";
    await Transfer.start({ transferId: processing.transferId, executionId: executionArn });

    // The cloud provider, answering as AWS would: a started execution's ARN; the failed one FAILED and redrivable.
    const sent: object[] = [];
    const client = {
      async send(command: object) {
        sent.push(command);
        if (command instanceof StartExecutionCommand) return { executionArn: "arn:aws:states:eu-west-1:123456789012:execution:Saga:new", startDate: new Date() };
        if (command instanceof DescribeExecutionCommand) return { executionArn, status: "FAILED", redriveStatus: "REDRIVABLE" };
        if (command instanceof RedriveExecutionCommand) return { redriveDate: new Date() };
        throw new Error(`unexpected command ${command.constructor.name}`);
      },
    } as unknown as SFNClient;
    const stateMachineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:Saga";
    const report = await sweepStuckTransfers({ olderThanMs: 0, control: stepFunctionsControl(stateMachineArn, client) });
    expect(report.errors).toEqual([]);

    const starts = sent.filter((c) => c instanceof StartExecutionCommand).map((c) => (c as StartExecutionCommand).input);
    expect(starts).toEqual([{ stateMachineArn, input: expect.any(String) }]);
    expect(JSON.parse(starts[0]!.input!)).toEqual(stack.runtime.pipe.targetInput(pending.record));
    const redrives = sent.filter((c) => c instanceof RedriveExecutionCommand).map((c) => (c as RedriveExecutionCommand).input);
    expect(redrives).toEqual([{ executionArn }]);
  });
});
