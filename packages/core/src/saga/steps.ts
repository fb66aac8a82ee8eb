/**
 * The contract of each saga step: what it is for, what it touches (for least-privilege
 * links in infra), and the zod schemas of the document the state machine passes along.
 * No engine is imported here, so infra can use this module cheaply.
 */
import * as z from "../util/zod.ts";
import { Amount } from "../money.ts";
import { UserId } from "../user.ts";
import { TransferId } from "../transfer/info.ts";

export type SagaStepKey = "start" | "debit" | "credit" | "complete" | "compensate" | "reverseCredit" | "refund" | "fail";

export const SAGA_STEPS: Record<
  SagaStepKey,
  { description: string; touches: "transfers" | "wallet"; handler: string }
> = {
  start: { description: "PENDING → PROCESSING, owned by this execution", touches: "transfers", handler: "steps/start.handler" },
  debit: { description: "Debit the sender (inbox DEBIT#id)", touches: "wallet", handler: "steps/debit.handler" },
  credit: { description: "Credit the receiver (inbox CREDIT#id)", touches: "wallet", handler: "steps/credit.handler" },
  complete: { description: "PROCESSING → SUCCEEDED unless compensation began", touches: "transfers", handler: "steps/complete.handler" },
  compensate: { description: "Fence: no SUCCEEDED after this; records the failure", touches: "transfers", handler: "steps/compensate.handler" },
  reverseCredit: { description: "Undo the receiver's credit if it happened (inbox REVERSE#id)", touches: "wallet", handler: "steps/reverse-credit.handler" },
  refund: { description: "Undo the sender's debit if it happened (inbox REFUND#id)", touches: "wallet", handler: "steps/refund.handler" },
  fail: { description: "→ FAILED (or REQUIRES_ATTENTION when a compensation failed)", touches: "transfers", handler: "steps/fail.handler" },
};

/** A transfer not updated for this long while PENDING or PROCESSING is stuck (the sweep's threshold). */
export const DEFAULT_STUCK_AFTER_MINUTES = 15;

/** The execution's input, produced by the pipe's input template from the stream record. */
export const SagaInput = z.object({
  transferId: TransferId,
  senderUserId: UserId,
  receiverUserId: UserId,
  amount: Amount,
});
export type SagaInput = z.infer<typeof SagaInput>;

/**
 * The saga takes one transfer per execution; the pipe's batch size is this, and the definition
 * refuses any other batch (a larger one would otherwise drop all but the first transfer).
 */
export const SAGA_BATCH_SIZE = 1;

/**
 * What starts an execution — the one input contract of the state machine. EventBridge Pipes hands a
 * Step Functions target the batch as one JSON array, "even if the batch size is 1" (AWS: "Amazon
 * EventBridge Pipes batching and concurrency"), each element rendered by the input template. The
 * sweep's restart sends exactly the same (a redrive sends no input: the execution keeps its own).
 */
export const ExecutionInput = z.tuple([SagaInput]);
export type ExecutionInput = z.infer<typeof ExecutionInput>;

/** The execution input for one transfer: what the pipe delivers and what the sweep restarts with. */
export function executionInput(transfer: SagaInput): ExecutionInput {
  return [{ transferId: transfer.transferId, senderUserId: transfer.senderUserId, receiverUserId: transfer.receiverUserId, amount: transfer.amount }];
}

/** What a wallet step leaves in the saga document. */
export const WalletStepResult = z.object({
  transactionId: z.string(),
  outcome: z.enum(["applied", "skipped"]),
  replayed: z.boolean(),
  amount: z.string(),
  balanceAfter: z.optional(z.string()),
  at: z.string(),
});
export type WalletStepResult = z.infer<typeof WalletStepResult>;

/** What a status step leaves in the saga document. */
export const StatusStepResult = z.object({ status: z.string(), at: z.string() });
export type StatusStepResult = z.infer<typeof StatusStepResult>;

/** A Catch's ResultPath value: Step Functions' error name and cause. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.optional(z.unknown()) });
export type CaughtError = z.infer<typeof CaughtError>;

/** The document the state machine accumulates (each task's ResultPath adds one key). */
export const SagaDocument = z.extend(SagaInput, {
  started: z.optional(StatusStepResult),
  debit: z.optional(WalletStepResult),
  credit: z.optional(WalletStepResult),
  completed: z.optional(StatusStepResult),
  compensation: z.optional(StatusStepResult),
  reverse: z.optional(WalletStepResult),
  refund: z.optional(WalletStepResult),
  error: z.optional(CaughtError),
  compensationError: z.optional(CaughtError),
});
export type SagaDocument = z.infer<typeof SagaDocument>;

/** What every task receives (the state's Parameters). */
export const StepEvent = z.object({
  saga: SagaDocument,
  executionId: z.string().check(z.minLength(1)),
  attention: z.optional(z.boolean()),
});
export type StepEvent = z.infer<typeof StepEvent>;
