/**
 * Conformance of the offline Step Functions (src/step-functions.ts, and the saga runtime built on
 * it) with AWS's documented behaviour. Each fixture comes from the AWS page cited above its test.
 * Retry waits are read on a fake clock, so they are exact whatever the machine's load.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AslDefinition } from "@ewallet/core/saga/definition";
import { State } from "@ewallet/core/saga/definition";
import type { StepName } from "@ewallet/core/saga/registry";
import { SagaRuntime } from "../src/saga-runtime.ts";
import { checkExecutionInput, executionErrorName, LocalStateMachine, PAYLOAD_LIMIT_BYTES, type TaskHandler } from "../src/step-functions.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** An error as a Lambda handler throws it: its name is what Step Functions matches. */
function named(name: string, message = name) {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Runs an execution on the fake clock to its end; resolves to its output, or to the error it failed with. */
async function settle(result: Promise<unknown>): Promise<{ output?: unknown; error?: unknown }> {
  const outcome = result.then(
    (output) => ({ output }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return outcome;
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

/** Stand-ins for the step Lambdas, for tests of the runtime's own behaviour (timing, limits), not of the steps. */
function stepStandIns(debit: () => void = () => {}) {
  const at = new Date(0).toISOString();
  const ok = async () => ({ status: "OK", at });
  return {
    start: ok,
    debit: async () => {
      debit();
      return { transactionId: "DEBIT#t", outcome: "applied", replayed: false, amount: "1.00", at };
    },
    credit: ok,
    complete: ok,
    compensate: ok,
    reverseCredit: ok,
    refund: ok,
    fail: ok,
  } as Record<StepName, (event: unknown) => Promise<unknown>>;
}

/** A one-state machine: the Lambda task `task` with `fields` (its Retry, Catch, …), and the Pass its Catch goes to ("Caught"). */
const oneTask = (task: string, fields: Record<string, unknown>) =>
  ({
    StartAt: task,
    States: {
      [task]: { Type: "Task", Resource: `arn:aws:lambda:us-east-1:123456789012:function:${task}`, ...fields, End: true },
      ...("Catch" in fields ? { Caught: { Type: "Pass", End: true } } : {}),
    },
  }) as unknown as AslDefinition;

describe("retry waits (issue 14, finding 1)", () => {
  /**
   * AWS: "Handling errors in Step Functions workflows", section "Complex retry scenarios",
   * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html —
   * "This task fails four times in succession, outputting these error names: ErrorA, ErrorB, ErrorC, and
   * ErrorB. The following occurs as a result: The first two errors match the first retrier and cause waits
   * of one and two seconds. The third error matches the second retrier and causes a wait of five seconds.
   * The fourth error also matches the first retrier. However, it already reached its maximum of two retries
   * (MaxAttempts) for that particular error. Therefore, that retrier fails and the execution redirects the
   * workflow to the Z state through the Catch field."
   */
  it("counts each retrier's attempts on its own: AWS's complex retry scenario waits 1, 2 and 5 s, then catches", async () => {
    vi.useFakeTimers();
    const definition = {
      StartAt: "X",
      States: {
        X: {
          Type: "Task",
          Resource: "arn:aws:states:us-east-1:123456789012:task:X",
          Next: "Y",
          Retry: [
            { ErrorEquals: ["ErrorA", "ErrorB"], IntervalSeconds: 1, BackoffRate: 2.0, MaxAttempts: 2 },
            { ErrorEquals: ["ErrorC"], IntervalSeconds: 5 },
          ],
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "Z" }],
        },
        Y: { Type: "Pass", End: true },
        Z: { Type: "Pass", Result: "caught", End: true },
      },
    } as unknown as AslDefinition;
    const errors = ["ErrorA", "ErrorB", "ErrorC", "ErrorB"];
    const calls: number[] = [];
    const X: TaskHandler = async () => {
      calls.push(Date.now());
      throw named(errors[calls.length - 1]!);
    };
    const { output } = await settle(new LocalStateMachine(definition).run({}, { tasks: { X } }).result);
    expect(gaps(calls)).toEqual([1000, 2000, 5000]);
    expect(output).toBe("caught");
  });

  /**
   * AWS CDK API reference, "enum JitterType" (values of the retrier's JitterStrategy field),
   * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.JitterType.html —
   * "FULL: Calculates the delay to be a random number between 0 and the computed backoff for the given
   * retry attempt count." "Handling errors in Step Functions workflows" (above): IntervalSeconds is the wait
   * before the first retry, BackoffRate "the multiplier by which the retry interval increases during each
   * attempt", MaxDelaySeconds the value up to which a retry interval can increase.
   * Here through the saga runtime itself: a debit failing after its commit on every attempt.
   */
  it("waits IntervalSeconds × BackoffRate^n capped by MaxDelaySeconds, with full jitter, in the saga runtime", async () => {
    vi.useFakeTimers();
    const debitCalls: number[] = [];
    const handlers = stepStandIns(() => debitCalls.push(Date.now()));
    const saga = new SagaRuntime({ handlers, definition: { retry: { intervalSeconds: 1, backoffRate: 2, maxAttempts: 6, maxDelaySeconds: 8 } } });
    saga.injectFault({ state: State.DebitSender, when: "after", times: Infinity, errorName: "Sandbox.Timedout" });

    // The jitter draws 0.5: each wait is half of its full backoff.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const executionId = saga.startExecution([{ transferId: "01JRETRY000000000000000000", senderUserId: "alice", receiverUserId: "bob", amount: "1.00" }]);
    await vi.runAllTimersAsync();
    await saga.drain();

    // Full backoffs 1, 2, 4, 8, then capped at 8 s; half of each (±1 ms of rounding).
    const expected = [500, 1000, 2000, 4000, 4000, 4000];
    const measured = gaps(debitCalls);
    expect(measured).toHaveLength(expected.length);
    measured.forEach((gap, i) => expect(Math.abs(gap - expected[i]!), `retry ${i + 1}: waited ${gap} ms`).toBeLessThanOrEqual(1));
    // Retries exhausted: caught and compensated.
    expect(saga.executions.get(executionId)!.states).toContain(State.BeginCompensation);
  });

  it("draws the full jitter anew for every retry, between 0 and the backoff", async () => {
    vi.useFakeTimers();
    const definition = oneTask("X", { Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3, JitterStrategy: "FULL" }] });
    const draws = [0.25, 0.9, 0];
    vi.spyOn(Math, "random").mockImplementation(() => draws.shift() ?? 0);
    const calls: number[] = [];
    const X: TaskHandler = async () => {
      calls.push(Date.now());
      throw named("Transient");
    };
    const { error } = await settle(new LocalStateMachine(definition).run({}, { tasks: { X } }).result);
    expect(executionErrorName(error)).toBe("Transient");
    // Backoffs 2, 6, 18 s; jittered by 0.25, 0.9 and 0.
    const expected = [500, 5400, 0];
    gaps(calls).forEach((gap, i) => expect(Math.abs(gap - expected[i]!)).toBeLessThanOrEqual(1));
  });

  it("scales every wait for tests, the backoff shape unchanged", async () => {
    vi.useFakeTimers();
    const definition = oneTask("X", { Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 4, MaxDelaySeconds: 4 }] });
    const calls: number[] = [];
    const X: TaskHandler = async () => {
      calls.push(Date.now());
      throw named("Transient");
    };
    await settle(new LocalStateMachine(definition, { retryScale: 0.01 }).run({}, { tasks: { X } }).result);
    expect(gaps(calls)).toEqual([10, 20, 40, 40]);
  });
});

describe("payload size (256 KiB)", () => {
  /**
   * AWS: "Step Functions service quotas", https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html —
   * maximum input or output size for a task, state, or execution: "256 KiB of data as a UTF-8 encoded string".
   * AWS: "StartExecution" (API Reference), https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html —
   * input: "Length constraints apply to the payload size, and are expressed as bytes in UTF-8 encoding.
   * Length Constraints: Maximum length of 262144."
   */
  it("refuses to start an execution whose input is over 262144 bytes of UTF-8", () => {
    const sized = (bytes: number) => ["x".repeat(bytes - 4)]; // ["…"] adds 4 bytes
    expect(() => checkExecutionInput(sized(PAYLOAD_LIMIT_BYTES))).not.toThrow();
    expect(() => checkExecutionInput(sized(PAYLOAD_LIMIT_BYTES + 1))).toThrow(expect.objectContaining({ name: "ValidationException" }));
    // Counted in UTF-8 bytes, not characters: "é" is two.
    expect(() => checkExecutionInput(["é".repeat(PAYLOAD_LIMIT_BYTES / 2)])).toThrow(expect.objectContaining({ name: "ValidationException" }));
    const saga = new SagaRuntime({ handlers: stepStandIns() });
    expect(() => saga.startExecution(sized(PAYLOAD_LIMIT_BYTES + 1))).toThrow(expect.objectContaining({ name: "ValidationException" }));
    expect(saga.executions.size).toBe(0);
  });

  /**
   * AWS: "Handling errors in Step Functions workflows", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html —
   * "States.DataLimitExceeded: Reported due to the following conditions: When the output of a connector is
   * larger than payload size quota. When the output of a state is larger than payload size quota. When,
   * after Parameters processing, the input of a state is larger than the payload size quota. [...] This is a
   * terminal error that cannot be caught by the States.ALL error type." and, under States.ALL: "This error
   * type can't catch the States.DataLimitExceeded terminal error type".
   */
  const guarded = (extra: Record<string, unknown> = {}) =>
    oneTask("Big", {
      ...extra,
      Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 3 }],
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "Caught" }],
    });

  it("fails the execution with States.DataLimitExceeded when a task's result is too large: no retry, no catch", async () => {
    vi.useFakeTimers();
    let calls = 0;
    const Big: TaskHandler = async () => {
      calls += 1;
      return "x".repeat(PAYLOAD_LIMIT_BYTES); // with its quotes: 2 bytes over
    };
    const run = new LocalStateMachine(guarded()).run({}, { tasks: { Big } });
    const { error } = await settle(run.result);
    expect(executionErrorName(error)).toBe("States.DataLimitExceeded");
    expect(calls).toBe(1);
  });

  it("fails the execution with States.DataLimitExceeded when a state's input after Parameters is too large, before the task runs", async () => {
    vi.useFakeTimers();
    let calls = 0;
    const Big: TaskHandler = async () => {
      calls += 1;
      return "small";
    };
    const half = "x".repeat(PAYLOAD_LIMIT_BYTES / 2);
    const run = new LocalStateMachine(guarded({ Parameters: { "a.$": "$.half", "b.$": "$.half" } })).run({ half }, { tasks: { Big } });
    const { error } = await settle(run.result);
    expect(executionErrorName(error)).toBe("States.DataLimitExceeded");
    expect(calls).toBe(0);
  });
});

describe("Lambda errors as Retry and Catch see them", () => {
  /**
   * AWS: "Handling error conditions using a Step Functions state machine" (tutorial),
   * https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-handling-error-conditions.html —
   * the "Throw a custom error" function and the state machine whose Catch routes `CustomError` to
   * CustomErrorFallback, `States.TaskFailed` to ReservedTypeFallback and `States.ALL` to CatchAllFallback.
   */
  it("routes the tutorial's CustomError to the catcher naming it", async () => {
    vi.useFakeTimers();
    const definition = {
      Comment: "A Catch example of the Amazon States Language using an AWS Lambda function",
      StartAt: "CreateAccount",
      States: {
        CreateAccount: {
          Type: "Task",
          Resource: "arn:aws:lambda:us-east-1:123456789012:function:FailFunction",
          Catch: [
            { ErrorEquals: ["CustomError"], Next: "CustomErrorFallback" },
            { ErrorEquals: ["States.TaskFailed"], Next: "ReservedTypeFallback" },
            { ErrorEquals: ["States.ALL"], Next: "CatchAllFallback" },
          ],
          End: true,
        },
        CustomErrorFallback: { Type: "Pass", Result: "This is a fallback from a custom Lambda function exception", End: true },
        ReservedTypeFallback: { Type: "Pass", Result: "This is a fallback from a reserved error code", End: true },
        CatchAllFallback: { Type: "Pass", Result: "This is a fallback from any error code", End: true },
      },
    } as unknown as AslDefinition;
    // The blueprint's code, as the tutorial shows it.
    const handler: TaskHandler = async () => {
      function CustomError(this: { name: string; message: string }, message: string) {
        this.name = "CustomError";
        this.message = message;
      }
      CustomError.prototype = new Error();
      throw new (CustomError as unknown as new (message: string) => Error)("This is a custom error!");
    };
    const { output } = await settle(new LocalStateMachine(definition).run({}, { tasks: { CreateAccount: handler } }).result);
    expect(output).toBe("This is a fallback from a custom Lambda function exception");
  });

  /**
   * AWS: "AWS Lambda function errors in Node.js", https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html —
   * `exports.handler = async function() { return x + 10 }` gives
   * `{ "errorType": "ReferenceError", "errorMessage": "x is not defined", "trace": [ "ReferenceError: x is not defined", … ] }`.
   * "Handling errors in Step Functions workflows" (above), Error output: a catcher's result holds `Error` (the error
   * name) and `Cause`, "a human-readable description of the error" — for a Lambda, its error document as JSON.
   */
  it("reports the Lambda's errorType as the error name and its JSON error document as the Cause", async () => {
    vi.useFakeTimers();
    const definition = oneTask("Add", { Catch: [{ ErrorEquals: ["ReferenceError"], ResultPath: "$.error", Next: "Caught" }] });
    const handler: TaskHandler = async () => new Function("return x + 10")();
    const { output } = await settle(new LocalStateMachine(definition).run({ amount: 1 }, { tasks: { Add: handler } }).result);
    const { amount, error } = output as { amount: number; error: { Error: string; Cause: string } };
    expect(amount).toBe(1);
    expect(error.Error).toBe("ReferenceError");
    const cause = JSON.parse(error.Cause);
    expect(cause).toMatchObject({ errorType: "ReferenceError", errorMessage: "x is not defined" });
    expect(cause.trace[0]).toBe("ReferenceError: x is not defined");
  });

  it("reports a thrown value that is not an error by its type, as the Node.js runtime does", async () => {
    vi.useFakeTimers();
    const definition = oneTask("Odd", { Catch: [{ ErrorEquals: ["string"], ResultPath: "$.error", Next: "Caught" }] });
    const handler: TaskHandler = async () => {
      throw "plain text";
    };
    const { output } = await settle(new LocalStateMachine(definition).run({}, { tasks: { Odd: handler } }).result);
    expect((output as { error: { Error: string; Cause: string } }).error).toEqual({
      Error: "string",
      Cause: JSON.stringify({ errorType: "string", errorMessage: "plain text", trace: [] }),
    });
  });
});
