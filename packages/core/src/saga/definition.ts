/**
 * The saga's Amazon States Language definition, built once here and used by both
 * the cloud (infra/saga.ts → aws.sfn.StateMachine) and the offline stack
 * (aws-local-stepfunctions), so the two can never drift.
 *
 *   ReadBatch → OneTransfer ─(not exactly one)→ InvalidInput
 *                  │
 *   StartTransfer → DebitSender → CreditReceiver → CompleteTransfer → Done
 *        │ duplicate     │ business error   │ any error      │ any error
 *        ▼               ▼                  ▼                ▼
 *    Duplicate      FailTransfer ◀─ RefundSender ◀─ ReverseCredit ◀─ BeginCompensation
 *
 * Compensations are conditional inside the wallet (REFUND needs a DEBIT, REVERSE needs a
 * CREDIT), so routing every failure after the debit through the whole chain is safe.
 */
import { BUSINESS_ERRORS, DUPLICATE_START_ERRORS, ALREADY_SUCCEEDED_ERRORS } from "./errors.ts";
import { SAGA_BATCH_SIZE } from "./document.ts";
import { SAGA_STEPS, STEP_NAMES, type StepName } from "./registry.ts";

export interface RetryPolicy {
  intervalSeconds: number;
  backoffRate: number;
  maxAttempts: number;
  maxDelaySeconds: number;
}

export interface SagaDefinitionOptions {
  /** Lambda ARN (cloud) or any stable name (offline) for each step. */
  functions: Record<StepName, string>;
  /** Forward steps: transient failures retried with exponential backoff and full jitter. */
  retry?: Partial<RetryPolicy>;
  /** Compensations and final status writes: retried longer, they must not give up easily. */
  compensationRetry?: Partial<RetryPolicy>;
  /** Per-task timeout; keep it above the step Lambda's own timeout. */
  taskTimeoutSeconds?: number;
}

// A transient outage of up to 60 s (Postgres restarting, DynamoDB throttling) must fail no transfer.
// With full jitter each wait is uniform in [0, cap], so the total is random: 20 attempts capped at 30 s
// wait 240 s on average and less than 60 s with a probability below 1e-6 (saga-definition.test.ts).
// Retries only happen during trouble, so their state transitions cost nothing in normal operation.
export const DEFAULT_RETRY: RetryPolicy = { intervalSeconds: 1, backoffRate: 2, maxAttempts: 20, maxDelaySeconds: 30 };
export const DEFAULT_COMPENSATION_RETRY: RetryPolicy = { intervalSeconds: 1, backoffRate: 2, maxAttempts: 15, maxDelaySeconds: 60 };
export const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

type StepState = (typeof SAGA_STEPS)[StepName]["state"];
const stepStates = Object.fromEntries(STEP_NAMES.map((name) => [SAGA_STEPS[name].state, SAGA_STEPS[name].state])) as { [S in StepState]: S };

/** State names, exported so tests and the offline stack refer to them symbolically; a step's own state is the registry's. */
export const State = {
  ...stepStates,
  ReadBatch: "ReadBatch",
  OneTransfer: "OneTransfer",
  InvalidInput: "InvalidInput",
  /** The fail step again, with `attention`: a compensation could not be applied. */
  FlagForAttention: "FlagForAttention",
  Done: "Done",
  Duplicate: "Duplicate",
  TransferFailed: "TransferFailed",
  NeedsAttention: "NeedsAttention",
} as const;
export type StateName = (typeof State)[keyof typeof State];

/** The Fail state's error when the execution input is not a batch of exactly one transfer. */
export const INVALID_EXECUTION_INPUT = "INVALID_EXECUTION_INPUT";

export type TaskState = StepState | typeof State.FlagForAttention;
/** Which step each task state invokes: every step at its own state, and the fail step once more to flag for attention. */
export const TASK_STEP = {
  ...(Object.fromEntries(STEP_NAMES.map((name) => [SAGA_STEPS[name].state, name])) as Record<StepState, StepName>),
  [State.FlagForAttention]: "fail",
} satisfies Record<TaskState, StepName>;

export type AslDefinition = {
  Comment: string;
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, Record<string, unknown>>;
};

function retriers(policy: RetryPolicy) {
  return [
    // Listed first: the first matching retrier wins, and business errors must never be retried.
    { ErrorEquals: [...BUSINESS_ERRORS], MaxAttempts: 0 },
    {
      // Anything else may be transient (connection loss, lock timeout, throttling, a Lambda
      // that timed out after its commit): the steps are idempotent, so retrying is safe.
      ErrorEquals: ["States.ALL"],
      IntervalSeconds: policy.intervalSeconds,
      BackoffRate: policy.backoffRate,
      MaxAttempts: policy.maxAttempts,
      MaxDelaySeconds: policy.maxDelaySeconds,
      JitterStrategy: "FULL",
    },
  ];
}

export function buildSagaDefinition(options: SagaDefinitionOptions): AslDefinition {
  const retry = retriers({ ...DEFAULT_RETRY, ...options.retry });
  const compensationRetry = retriers({ ...DEFAULT_COMPENSATION_RETRY, ...options.compensationRetry });
  const timeout = options.taskTimeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;

  // Every task leaves its result in the document under its step's name.
  const task = (state: TaskState, extra: { attention?: boolean } = {}) => {
    const step = TASK_STEP[state];
    return {
      Type: "Task",
      Comment: SAGA_STEPS[step].description,
      Resource: options.functions[step],
      // Every step receives the whole saga document plus the execution id (the owner of the transfer).
      Parameters: { "saga.$": "$", "executionId.$": "$$.Execution.Id", ...(extra.attention ? { attention: true } : {}) },
      TimeoutSeconds: timeout,
      ResultPath: `$.${step}`,
    };
  };
  const caught = (errors: readonly string[], next: StateName, resultPath = "$.error") => ({
    ErrorEquals: [...errors],
    Next: next,
    ResultPath: resultPath,
  });

  return {
    Comment: "E-wallet transfer saga: debit the sender, credit the receiver, compensate on failure.",
    StartAt: State.ReadBatch,
    // A saga that runs longer than this is stuck; the sweep finds it (status still PROCESSING).
    TimeoutSeconds: 3600,
    States: {
      // The input is ExecutionInput (document.ts): the pipe's batch, a JSON array even of one; the sweep sends the same.
      [State.ReadBatch]: {
        Type: "Pass",
        Comment: "The pipe delivers a batch (a JSON array, even of one): count it and take the transfer.",
        Parameters: { "size.$": "States.ArrayLength($)", "transfer.$": "$[0]" },
        Next: State.OneTransfer,
      },
      [State.OneTransfer]: {
        Type: "Choice",
        Comment: "One transfer per execution; any other batch would silently drop transfers, so it fails here.",
        Choices: [{ Variable: "$.size", NumericEquals: SAGA_BATCH_SIZE, Next: State.StartTransfer }],
        Default: State.InvalidInput,
        // From here on the saga document is the transfer itself.
        OutputPath: "$.transfer",
      },
      [State.InvalidInput]: {
        Type: "Fail",
        Error: INVALID_EXECUTION_INPUT,
        Cause: "The execution input must be a JSON array of exactly one transfer (the pipe's batch).",
      },
      [State.StartTransfer]: {
        ...task(State.StartTransfer),
        Retry: retry,
        Catch: [caught(DUPLICATE_START_ERRORS, State.Duplicate), caught(["States.ALL"], State.FailTransfer)],
        Next: State.DebitSender,
      },
      [State.DebitSender]: {
        ...task(State.DebitSender),
        Retry: retry,
        Catch: [
          // Refused by a business rule: no money moved, nothing to compensate.
          caught(BUSINESS_ERRORS, State.FailTransfer),
          // Retries exhausted: the debit may or may not have committed; the refund finds out.
          caught(["States.ALL"], State.BeginCompensation),
        ],
        Next: State.CreditReceiver,
      },
      [State.CreditReceiver]: {
        ...task(State.CreditReceiver),
        Retry: retry,
        Catch: [caught(["States.ALL"], State.BeginCompensation)],
        Next: State.CompleteTransfer,
      },
      [State.CompleteTransfer]: {
        ...task(State.CompleteTransfer),
        Retry: retry,
        Catch: [caught(["States.ALL"], State.BeginCompensation)],
        Next: State.Done,
      },
      [State.BeginCompensation]: {
        ...task(State.BeginCompensation),
        Retry: compensationRetry,
        Catch: [
          // CompleteTransfer did commit before failing: the transfer succeeded, nothing to undo.
          caught(ALREADY_SUCCEEDED_ERRORS, State.Done, "$.compensationError"),
          caught(["States.ALL"], State.FlagForAttention, "$.compensationError"),
        ],
        Next: State.ReverseCredit,
      },
      [State.ReverseCredit]: {
        ...task(State.ReverseCredit),
        Retry: compensationRetry,
        // Never refund the sender while the receiver keeps the credit: that would create money.
        Catch: [caught(["States.ALL"], State.FlagForAttention, "$.compensationError")],
        Next: State.RefundSender,
      },
      [State.RefundSender]: {
        ...task(State.RefundSender),
        Retry: compensationRetry,
        Catch: [caught(["States.ALL"], State.FlagForAttention, "$.compensationError")],
        Next: State.FailTransfer,
      },
      [State.FailTransfer]: {
        ...task(State.FailTransfer),
        Retry: compensationRetry,
        Next: State.TransferFailed,
      },
      [State.FlagForAttention]: {
        ...task(State.FlagForAttention, { attention: true }),
        Retry: compensationRetry,
        Next: State.NeedsAttention,
      },
      [State.Done]: { Type: "Succeed" },
      [State.Duplicate]: {
        Type: "Succeed",
        Comment: "Another execution owns this transfer (a duplicate stream delivery): nothing to do.",
      },
      [State.TransferFailed]: { Type: "Fail", Error: "TransferFailed", Cause: "The transfer failed; no money moved net." },
      [State.NeedsAttention]: {
        Type: "Fail",
        Error: "CompensationFailed",
        Cause: "A compensation could not be applied; the transfer needs a person.",
      },
    },
  };
}
