/**
 * Step Functions offline: aws-local-stepfunctions running a definition, made to behave as AWS
 * documents it where the library does not on its own (each rule has a conformance test citing
 * AWS's page, in packages/local/test/step-functions-conformance.test.ts):
 *  - retry waits: IntervalSeconds × BackoffRate^n for the n-th retry *of that retrier*, capped by
 *    MaxDelaySeconds, with full jitter. The library computes exactly this from the definition; its
 *    `retryIntervalOverrides` would replace it (indexed by retrier, not by attempt, and without
 *    jitter), so it is never used: waits are scaled for tests by scaling the retriers instead;
 *  - payloads: a task's input (after Parameters) or result over 256 KiB fails the execution with
 *    the terminal `States.DataLimitExceeded`, which no Retry or Catch matches; StartExecution
 *    refuses an input over 256 KiB;
 *  - Lambda errors: a thrown error reaches Retry/Catch as the Lambda service reports it:
 *    Error = errorType (the error's name), Cause = the JSON error document.
 */
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import type { AslDefinition } from "@ewallet/core/saga/definition";

/** "256 KiB of data as a UTF-8 encoded string" (Step Functions service quotas). */
export const PAYLOAD_LIMIT_BYTES = 262_144;

export type TaskHandler = (input: unknown) => Promise<unknown>;

/** An error Step Functions sees by name, marked the way aws-local-stepfunctions reads it. */
class StatesError extends Error {
  constructor(
    name: string,
    message: string,
    readonly isRetryable = true,
    readonly isCatchable = true,
  ) {
    super(message);
    this.name = name;
  }
}

export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), "utf8");
}

/** States.DataLimitExceeded: terminal, "cannot be caught by the States.ALL error type" (and retried by none). */
function dataLimitExceeded(what: string, bytes: number) {
  return new StatesError(
    "States.DataLimitExceeded",
    `The ${what} (${bytes} bytes) exceeds the maximum number of bytes service limit (${PAYLOAD_LIMIT_BYTES}).`,
    false,
    false,
  );
}

/** StartExecution's own check of its `input` (length constraint: 262144 bytes of UTF-8). */
export function checkExecutionInput(input: unknown): void {
  let bytes: number;
  try {
    bytes = payloadBytes(input);
  } catch {
    throw new StatesError("InvalidExecutionInput", "The provided JSON input data is invalid.");
  }
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new StatesError(
      "ValidationException",
      `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
    );
  }
}

/**
 * What the Lambda service reports for an error thrown by a Node.js handler, as its runtime builds
 * it: errorType is the error's name, errorMessage its message, trace its stack lines; anything
 * thrown that is not an error is reported by its type.
 */
export function lambdaErrorDocument(thrown: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const error = thrown as { name?: unknown; message?: unknown; stack?: unknown } | null;
  if (error && typeof error.name === "string" && typeof error.message === "string" && typeof error.stack === "string") {
    return { errorType: error.name, errorMessage: error.message, trace: error.stack.split("\n") };
  }
  return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
}

/** The error as Step Functions matches it: Error = errorType; Cause = the Lambda's JSON error document. */
export function asLambdaError(thrown: unknown): Error {
  if (thrown instanceof StatesError) return thrown;
  const document = lambdaErrorDocument(thrown);
  return new StatesError(document.errorType, JSON.stringify(document));
}

/** A task as Step Functions runs a Lambda: payload limits on both sides, JSON at the boundary, errors as Lambda reports them. */
export function lambdaTask(handler: TaskHandler): TaskHandler {
  return async (input) => {
    // Only JSON crosses the Lambda boundary, in both directions: each side is serialised once,
    // and that one text is both what is measured against the limit and what the other side parses.
    const inputJson = JSON.stringify(input ?? null);
    const inputBytes = Buffer.byteLength(inputJson, "utf8");
    if (inputBytes > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded("state input", inputBytes);
    let outputJson: string;
    let output: unknown;
    try {
      outputJson = JSON.stringify((await handler(JSON.parse(inputJson))) ?? null);
      output = JSON.parse(outputJson);
    } catch (error) {
      throw asLambdaError(error);
    }
    const outputBytes = Buffer.byteLength(outputJson, "utf8");
    if (outputBytes > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded("task result", outputBytes);
    return output;
  };
}

type Retrier = { IntervalSeconds?: number; MaxDelaySeconds?: number };

/** The definition with every retry wait multiplied by `scale` (IntervalSeconds and MaxDelaySeconds; 1 = as on AWS). */
export function scaleRetries(definition: AslDefinition, scale: number): AslDefinition {
  if (scale === 1) return definition;
  const scaled = structuredClone(definition);
  for (const state of Object.values(scaled.States)) {
    for (const retrier of (state.Retry ?? []) as Retrier[]) {
      // The ASL defaults are written out so that they scale too.
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * scale;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= scale;
    }
  }
  return scaled;
}

export interface LocalRun {
  result: Promise<unknown>;
  eventLogs: ReturnType<StateMachine["run"]>["eventLogs"];
  abort: () => void;
}

/** One state machine, run offline with the behaviours above. */
export class LocalStateMachine {
  private readonly machine: StateMachine;
  private readonly runnable: AslDefinition;

  constructor(
    readonly definition: AslDefinition,
    options: { retryScale?: number } = {},
  ) {
    // Validate the definition as written; run the (possibly scaled) copy, whose fractional seconds the validator would refuse.
    new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: true, checkPaths: true } });
    this.runnable = scaleRetries(definition, options.retryScale ?? 1);
    this.machine = new StateMachine(this.runnable as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  }

  /**
   * Runs an execution: `tasks` binds each Task state to its handler (a Lambda); `startAt` enters
   * the definition at another state (a redrive resumes at the state that failed).
   */
  run(input: unknown, options: { tasks: Record<string, TaskHandler>; context?: Record<string, unknown>; startAt?: string }): LocalRun {
    checkExecutionInput(input);
    const machine = options.startAt
      ? // The states before it are unreachable from there, which the validator would refuse.
        new StateMachine({ ...this.runnable, StartAt: options.startAt } as unknown as StateMachineDefinition, {
          validationOptions: { noValidate: true },
        })
      : this.machine;
    const taskResourceLocalHandlers = Object.fromEntries(Object.entries(options.tasks).map(([state, handler]) => [state, lambdaTask(handler)]));
    const execution = machine.run(JSON.parse(JSON.stringify(input)), {
      overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never },
      context: options.context as never,
    });
    return { result: execution.result, eventLogs: execution.eventLogs, abort: execution.abort };
  }
}

/** The error name Step Functions reports for a failed execution (a Fail state's Error, or the uncaught error). */
export function executionErrorName(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof Error ? cause.name : undefined;
}
