/**
 * The saga steps that move the transfer's status (DynamoDB only): each is one conditional
 * update that accepts its own earlier success, and writes the step history for display.
 */
import type { HistoryEntry, HistoryStep } from "../transfer/record.ts";
// The transitions themselves, not the `Transfer` barrel (which would add create, list and their schemas).
import * as Transfer from "../transfer/transitions.ts";
import { historyName } from "./registry.ts";
import { describeError, now, step } from "./step.ts";
import type { SagaDocument, StatusStepResult, WalletStepResult } from "./document.ts";

/** The step that failed, judged from which results the document holds. */
function failedStep(saga: SagaDocument, during: "forward" | "compensation"): HistoryStep {
  if (during === "compensation") {
    if (!saga.compensate) return "compensate";
    return saga.reverseCredit ? "refund" : "reverseCredit";
  }
  if (!saga.start) return historyName("start");
  if (!saga.debit) return "debit";
  if (!saga.credit) return "credit";
  return "complete";
}

function walletEntry(step: HistoryStep, result: WalletStepResult | undefined): HistoryEntry[] {
  if (!result) return [];
  return [{ step, outcome: result.outcome, at: result.at, amount: result.amount, replayed: result.replayed }];
}

function errorEntry(saga: SagaDocument, during: "forward" | "compensation"): HistoryEntry[] {
  const error = during === "forward" ? saga.error : saga.compensationError;
  if (!error) return [];
  const { reason, message } = describeError(error);
  return [{ step: failedStep(saga, during), outcome: "error", at: now(), errorCode: reason, errorMessage: message }];
}

export namespace StatusSteps {
  export const start = step("start", async ({ saga, executionId }): Promise<StatusStepResult> => {
    const at = now();
    await Transfer.start({
      transferId: saga.transferId,
      executionId,
      history: [{ step: historyName("start"), outcome: "started", at }],
    });
    return { status: "PROCESSING", at };
  });

  export const complete = step("complete", async ({ saga, executionId }): Promise<StatusStepResult> => {
    const at = now();
    await Transfer.succeed({
      transferId: saga.transferId,
      executionId,
      history: [...walletEntry("debit", saga.debit), ...walletEntry("credit", saga.credit), { step: "complete", outcome: "succeeded", at }],
    });
    return { status: "SUCCEEDED", at };
  });

  /** The fence before any compensation: after it, CompleteTransfer can never win. */
  export const compensate = step("compensate", async ({ saga, executionId }): Promise<StatusStepResult> => {
    const { reason, message } = describeError(saga.error);
    const at = now();
    await Transfer.beginCompensation({
      transferId: saga.transferId,
      executionId,
      reason,
      message,
      history: [
        ...walletEntry("debit", saga.debit),
        ...walletEntry("credit", saga.credit),
        ...errorEntry(saga, "forward"),
        { step: "compensate", outcome: "started", at },
      ],
    });
    return { status: "COMPENSATING", at };
  });

  /** Final status of a failed saga: FAILED, or REQUIRES_ATTENTION when a compensation could not be applied. */
  export const fail = step("fail", async ({ saga, attention, executionId }): Promise<StatusStepResult> => {
    const { reason, message } = describeError(saga.error);
    const at = now();
    // Entries already written by the compensation fence are not repeated.
    const before = saga.compensate
      ? [...walletEntry("reverseCredit", saga.reverseCredit), ...walletEntry("refund", saga.refund)]
      : [...walletEntry("debit", saga.debit), ...walletEntry("credit", saga.credit), ...errorEntry(saga, "forward")];
    if (attention) {
      const problem = describeError(saga.compensationError);
      await Transfer.requireAttention({
        transferId: saga.transferId,
        executionId,
        reason: problem.reason,
        message: problem.message,
        history: [...before, ...errorEntry(saga, "compensation"), { step: "fail", outcome: "requires attention", at }],
      });
      return { status: "REQUIRES_ATTENTION", at };
    }
    await Transfer.fail({ transferId: saga.transferId, executionId, reason, message, history: [...before, { step: "fail", outcome: "failed", at }] });
    return { status: "FAILED", at };
  });
}
