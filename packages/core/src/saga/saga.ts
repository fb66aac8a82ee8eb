/**
 * What each saga step does. Lambda handlers in packages/functions are these functions
 * and nothing else, so the offline stack binds exactly the code that runs in the cloud.
 * Every step is idempotent: wallet steps through the inbox, status steps through
 * conditional updates that accept their own earlier success.
 */
import { AppError } from "../error.ts";
import { Log } from "../log.ts";
import { Transfer } from "../transfer/transfer.ts";
import { Wallet } from "../wallet/wallet.ts";
import { INVALID_STEP_INPUT } from "./errors.ts";
import {
  StepEvent,
  type SagaStepKey,
  type CaughtError,
  type SagaDocument,
  type StatusStepResult,
  type WalletStepResult,
} from "./steps.ts";

type HistoryEntry = Transfer.HistoryEntry;

function parse(event: unknown): StepEvent {
  const parsed = StepEvent.safeParse(event);
  if (!parsed.success) {
    const error = new AppError("business", INVALID_STEP_INPUT, "The saga step received an invalid document", parsed.error.issues);
    Log.error("step input rejected", { error, issues: parsed.error.issues });
    throw error;
  }
  return parsed.data;
}

/**
 * A saga step: parses its document, then runs with the transfer id, step and execution on
 * every log line. Refusals by a business rule are expected outcomes (info); anything else
 * will be retried by the state machine and is worth a look (warn).
 */
function step<R>(name: SagaStepKey, body: (event: StepEvent) => Promise<R>) {
  return (raw: unknown): Promise<R> => {
    const event = parse(raw);
    const fields = { transferId: event.saga.transferId, step: name, executionId: event.executionId };
    return Log.scope(fields, async () => {
      const startedAt = Date.now();
      try {
        const result = await body(event);
        Log.info("step succeeded", { result, durationMs: Date.now() - startedAt });
        return result;
      } catch (error) {
        const refused = error instanceof AppError && error.kind !== "transient";
        (refused ? Log.info : Log.warn)(refused ? "step refused" : "step failed", { error, durationMs: Date.now() - startedAt });
        throw error;
      }
    });
  };
}

const now = () => new Date().toISOString();

async function walletStep(run: () => Promise<Wallet.Outcome>): Promise<WalletStepResult> {
  const outcome = await run();
  return { ...outcome, at: now() };
}

/** Step Functions puts a Lambda's error in Cause as JSON ({ errorType, errorMessage }) or as plain text. */
export function describeError(error: CaughtError | undefined): { reason: string; message: string } {
  if (!error) return { reason: "UNKNOWN", message: "The saga failed for an unknown reason" };
  let message = typeof error.Cause === "string" ? error.Cause : JSON.stringify(error.Cause ?? "");
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === "string") message = cause.errorMessage;
  } catch {
    // Plain-text cause: keep it as is.
  }
  const reason = error.Error.startsWith("States.") || error.Error.startsWith("Lambda.") ? `STEP_${error.Error.replace(/\W+/g, "_").toUpperCase()}` : error.Error;
  return { reason, message: message || error.Error };
}

/** The step that failed, judged from which results the document holds. */
function failedStep(saga: SagaDocument, during: "forward" | "compensation"): string {
  if (during === "compensation") {
    if (!saga.compensation) return "compensate";
    return saga.reverse ? "refund" : "reverseCredit";
  }
  if (!saga.started) return "process";
  if (!saga.debit) return "debit";
  if (!saga.credit) return "credit";
  return "complete";
}

function walletEntry(step: string, result: WalletStepResult | undefined): HistoryEntry[] {
  if (!result) return [];
  const detail = [result.amount, result.replayed ? "replayed from inbox" : undefined].filter(Boolean).join(", ");
  return [{ step, outcome: result.outcome, at: result.at, detail }];
}

function errorEntry(saga: SagaDocument, during: "forward" | "compensation"): HistoryEntry[] {
  const error = during === "forward" ? saga.error : saga.compensationError;
  if (!error) return [];
  const { reason, message } = describeError(error);
  return [{ step: failedStep(saga, during), outcome: "error", at: now(), detail: `${reason}: ${message}` }];
}

export namespace Saga {
  export const start = step("start", async ({ saga, executionId }): Promise<StatusStepResult> => {
    const at = now();
    await Transfer.start({
      transferId: saga.transferId,
      executionId,
      history: [{ step: "process", outcome: "started", at }],
    });
    return { status: "PROCESSING", at };
  });

  export const debit = step("debit", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.debit({ transferId: saga.transferId, userId: saga.senderUserId, amount: saga.amount }));
  });

  export const credit = step("credit", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.credit({ transferId: saga.transferId, userId: saga.receiverUserId, amount: saga.amount }));
  });

  export const complete = step("complete", async ({ saga }): Promise<StatusStepResult> => {
    const at = now();
    await Transfer.succeed({
      transferId: saga.transferId,
      history: [...walletEntry("debit", saga.debit), ...walletEntry("credit", saga.credit), { step: "complete", outcome: "succeeded", at }],
    });
    return { status: "SUCCEEDED", at };
  });

  /** The fence before any compensation: after it, CompleteTransfer can never win. */
  export const compensate = step("compensate", async ({ saga }): Promise<StatusStepResult> => {
    const { reason, message } = describeError(saga.error);
    const at = now();
    await Transfer.beginCompensation({
      transferId: saga.transferId,
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

  export const reverseCredit = step("reverseCredit", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.reverse({ transferId: saga.transferId, userId: saga.receiverUserId }));
  });

  export const refund = step("refund", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.refund({ transferId: saga.transferId, userId: saga.senderUserId }));
  });

  /** Final status of a failed saga: FAILED, or REQUIRES_ATTENTION when a compensation could not be applied. */
  export const fail = step("fail", async ({ saga, attention }): Promise<StatusStepResult> => {
    const { reason, message } = describeError(saga.error);
    const at = now();
    // Entries already written by the compensation fence are not repeated.
    const before = saga.compensation
      ? [...walletEntry("reverseCredit", saga.reverse), ...walletEntry("refund", saga.refund)]
      : [...walletEntry("debit", saga.debit), ...walletEntry("credit", saga.credit), ...errorEntry(saga, "forward")];
    if (attention) {
      const problem = describeError(saga.compensationError);
      await Transfer.requireAttention({
        transferId: saga.transferId,
        reason: problem.reason,
        message: problem.message,
        history: [...before, ...errorEntry(saga, "compensation"), { step: "fail", outcome: "requires attention", at }],
      });
      return { status: "REQUIRES_ATTENTION", at };
    }
    await Transfer.fail({ transferId: saga.transferId, reason, message, history: [...before, { step: "fail", outcome: "failed", at }] });
    return { status: "FAILED", at };
  });
}
