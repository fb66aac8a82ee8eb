/**
 * The document the state machine passes along, as zod schemas: the execution input, what
 * each step leaves in it (under the step's own name, registry.ts), and what every task
 * receives. No engine is imported here, so infra can use this module cheaply.
 */
import * as z from "../util/zod.ts";
import { Amount } from "../money.ts";
import { UserId } from "../user.ts";
import { SAGA_STEPS, STEP_NAMES, type StepName } from "./registry.ts";
import { TransferId } from "../transfer/id.ts";

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

type ResultOf<K extends StepName> = (typeof SAGA_STEPS)[K]["store"] extends "postgres" ? typeof WalletStepResult : typeof StatusStepResult;
/** Each task's ResultPath is its step's name: a wallet step leaves a WalletStepResult, a status step a StatusStepResult. */
const stepResults = Object.fromEntries(
  STEP_NAMES.map((name) => [name, z.optional(SAGA_STEPS[name].store === "postgres" ? WalletStepResult : StatusStepResult)]),
) as { [K in StepName]: z.ZodMiniOptional<ResultOf<K>> };

/** The document the state machine accumulates (each task's ResultPath adds one key). */
export const SagaDocument = z.extend(SagaInput, {
  ...stepResults,
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
