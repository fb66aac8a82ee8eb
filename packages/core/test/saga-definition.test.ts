import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { buildSagaDefinition, INVALID_EXECUTION_INPUT, State, TASK_STEP } from "../src/saga/definition.ts";
import { BUSINESS_ERRORS } from "../src/saga/errors.ts";
import { pipeSettings } from "../src/saga/pipe.ts";
import { ExecutionInput, executionInput, SAGA_BATCH_SIZE } from "../src/saga/document.ts";
import { STEP_NAMES, type StepName } from "../src/saga/registry.ts";
import { WalletError } from "../src/wallet/errors.ts";

const aslValidator = createRequire(import.meta.url)("asl-validator") as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

const functions = Object.fromEntries(
  STEP_NAMES.map((key) => [key, `arn:aws:lambda:eu-west-1:123456789012:function:saga-${key}`]),
) as Record<StepName, string>;
const definition = buildSagaDefinition({ functions });
type Retrier = { ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number; JitterStrategy?: string; IntervalSeconds?: number };
type Catcher = { ErrorEquals: string[]; Next: string; ResultPath?: string };
const state = (name: string) => definition.States[name] as { Retry?: Retrier[]; Catch?: Catcher[]; Next?: string; Resource?: string; Type: string };

describe("saga definition (ASL)", () => {
  it("is valid Amazon States Language", () => {
    // Sanity check that the validator does reject something: a Next to a state that does not exist.
    const broken = structuredClone(definition);
    (broken.States[State.DebitSender] as { Next: string }).Next = "Nowhere";
    expect(aslValidator(broken).isValid).toBe(false);
    const result = aslValidator(definition);
    expect(result.isValid, result.errorsText("\n")).toBe(true);
  });

  it("invokes each step's own function", () => {
    for (const [stateName, step] of Object.entries(TASK_STEP)) {
      expect(state(stateName).Resource).toBe(functions[step]);
    }
  });

  it("never retries business errors and retries everything else with backoff and full jitter", () => {
    for (const stateName of Object.keys(TASK_STEP)) {
      const retry = state(stateName).Retry!;
      expect(retry[0]!.ErrorEquals).toEqual([...BUSINESS_ERRORS]);
      expect(retry[0]!.MaxAttempts).toBe(0);
      const transient = retry[1]!;
      expect(transient.ErrorEquals).toEqual(["States.ALL"]);
      expect(transient.MaxAttempts).toBeGreaterThanOrEqual(3);
      expect(transient.BackoffRate).toBeGreaterThan(1);
      expect(transient.JitterStrategy).toBe("FULL");
    }
    expect(BUSINESS_ERRORS).toContain(WalletError.INSUFFICIENT_FUNDS);
  });

  it("routes a business refusal of the debit straight to failure (nothing to refund)", () => {
    const catches = state(State.DebitSender).Catch!;
    expect(catches[0]).toMatchObject({ ErrorEquals: [...BUSINESS_ERRORS], Next: State.FailTransfer });
    // Retries exhausted: the debit may have committed, so the compensation chain decides.
    expect(catches[1]).toMatchObject({ ErrorEquals: ["States.ALL"], Next: State.BeginCompensation });
  });

  it("compensates credit and completion failures: fence, reverse the credit, refund the sender, fail", () => {
    expect(state(State.CreditReceiver).Catch).toEqual([{ ErrorEquals: ["States.ALL"], Next: State.BeginCompensation, ResultPath: "$.error" }]);
    expect(state(State.CompleteTransfer).Catch).toEqual([{ ErrorEquals: ["States.ALL"], Next: State.BeginCompensation, ResultPath: "$.error" }]);
    expect(state(State.BeginCompensation).Next).toBe(State.ReverseCredit);
    expect(state(State.ReverseCredit).Next).toBe(State.RefundSender);
    expect(state(State.RefundSender).Next).toBe(State.FailTransfer);
    expect(state(State.FailTransfer).Next).toBe(State.TransferFailed);
    expect(state(State.TransferFailed).Type).toBe("Fail");
  });

  it("sends a failed compensation to a person instead of refunding around it", () => {
    for (const name of [State.ReverseCredit, State.RefundSender]) {
      expect(state(name).Catch).toEqual([{ ErrorEquals: ["States.ALL"], Next: State.FlagForAttention, ResultPath: "$.compensationError" }]);
    }
    expect(state(State.FlagForAttention).Next).toBe(State.NeedsAttention);
  });

  it("stops a duplicate execution at the first step, before any money moves", () => {
    const catches = state(State.StartTransfer).Catch!;
    expect(catches[0]!.Next).toBe(State.Duplicate);
    expect(state(State.Duplicate).Type).toBe("Succeed");
    expect(state(State.StartTransfer).Next).toBe(State.DebitSender);
  });

  it("starts from the pipe's batch: exactly one transfer, anything else fails before any step", () => {
    expect(definition.StartAt).toBe(State.ReadBatch);
    expect(state(State.ReadBatch)).toMatchObject({ Type: "Pass", Next: State.OneTransfer });
    expect(definition.States[State.OneTransfer]).toMatchObject({
      Type: "Choice",
      Choices: [{ Variable: "$.size", NumericEquals: 1, Next: State.StartTransfer }],
      Default: State.InvalidInput,
      OutputPath: "$.transfer",
    });
    expect(definition.States[State.InvalidInput]).toMatchObject({ Type: "Fail", Error: INVALID_EXECUTION_INPUT });
    // One definition of the contract: the pipe batches as many records as the definition accepts.
    expect(SAGA_BATCH_SIZE).toBe(1);
    expect(pipeSettings.batchSize).toBe(SAGA_BATCH_SIZE);
    const transfer = { transferId: "01J00000000000000000000000", senderUserId: "alice", receiverUserId: "bob", amount: "10.00" };
    expect(executionInput({ ...transfer, status: "PENDING" } as typeof transfer)).toEqual([transfer]);
    expect(ExecutionInput.safeParse([transfer]).success).toBe(true);
    expect(ExecutionInput.safeParse(transfer).success).toBe(false);
    expect(ExecutionInput.safeParse([transfer, transfer]).success).toBe(false);
  });

  it("takes retry settings from its options", () => {
    const custom = buildSagaDefinition({ functions, retry: { maxAttempts: 7 } });
    expect((custom.States[State.DebitSender] as { Retry: Retrier[] }).Retry[1]!.MaxAttempts).toBe(7);
  });
});
