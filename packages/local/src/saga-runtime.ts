/**
 * The saga offline: core's ASL definition run by the offline Step Functions (step-functions.ts:
 * retries, payload limits and Lambda errors as on AWS), each task state bound to the real step
 * handler. Retry waits can be scaled down for tests. Faults can be injected around a step
 * (before it runs, or after it committed — a Lambda that times out after its commit).
 */
import { randomUUID } from "node:crypto";
import { buildSagaDefinition, TASK_STEP, type AslDefinition, type SagaDefinitionOptions, type StateName } from "@ewallet/core/saga/definition";
import { ExecutionInput } from "@ewallet/core/saga/document";
import type { StepName } from "@ewallet/core/saga/registry";
import type { ExecutionControl } from "@ewallet/core/saga/sweep";
import type { ExecutionJournal } from "./execution-journal.ts";
import { executionErrorName, LocalStateMachine } from "./step-functions.ts";

export type StepHandler = (event: unknown) => Promise<unknown>;

export interface Fault {
  state: StateName;
  /** "before": the step fails without running; "after": it runs (and commits), then fails. */
  when: "before" | "after";
  /** How many invocations fail (default 1); Infinity for a step that never recovers. */
  times?: number;
  /** Fail only this share of the matching invocations (default 1: every one, up to `times`). */
  probability?: number;
  /** Limit the fault to one transfer. */
  transferId?: string;
  /** The error name Step Functions sees (default: a Lambda timeout). */
  errorName?: string;
}

export interface ExecutionRecord {
  executionId: string;
  /** The execution input as started (ExecutionInput: the pipe's batch of one transfer). */
  input: unknown;
  /** The transfer of that batch, when the input has one. */
  transferId?: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  error?: string;
  /** The error name the execution failed with (a Fail state's Error, or the uncaught error's name). */
  errorName?: string;
  states: string[];
  /** Failed at one of the definition's Fail states (the saga decided), not at a task. */
  failState?: boolean;
  /** The last task state entered and the document it received: where a redrive resumes. */
  resumeAt?: { state: string; input: unknown };
}

export interface SagaRuntimeOptions {
  handlers: Record<StepName, StepHandler>;
  /** Multiply every retry wait by this (1 = as in the cloud: IntervalSeconds × BackoffRate^n, capped, full jitter). */
  retryScale?: number;
  definition?: Omit<SagaDefinitionOptions, "functions">;
  log?: (line: Record<string, unknown>) => void;
  /** Journal of executions in flight, so they survive this process (see execution-journal.ts). */
  journal?: ExecutionJournal;
  /** How many finished executions stay describable and redrivable (oldest forgotten first); default 10,000. */
  retainFinished?: number;
}

export const DEFAULT_RETAIN_FINISHED = 10_000;

const STATE_MACHINE_ARN = "arn:aws:states:local:000000000000:stateMachine:transfer-saga";

export class SagaRuntime implements ExecutionControl {
  readonly definition: AslDefinition;
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly machine: LocalStateMachine;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly faults: (Fault & { remaining: number })[] = [];
  /** Finished executions, oldest first: memory stays bounded however many transfers pass. */
  private readonly finished = new Set<string>();
  private startsToReject = 0;

  constructor(private readonly options: SagaRuntimeOptions) {
    const functions = Object.fromEntries(
      Object.keys(options.handlers).map((key) => [key, `arn:aws:lambda:local:000000000000:function:saga-${key}`]),
    ) as Record<StepName, string>;
    this.definition = buildSagaDefinition({ ...options.definition, functions });
    this.machine = new LocalStateMachine(this.definition, { retryScale: options.retryScale });
  }

  injectFault(fault: Fault) {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clearFaults() {
    this.faults.length = 0;
    this.startsToReject = 0;
  }

  /** The next `count` StartExecution calls fail (as when Step Functions throttles the pipe). */
  rejectStarts(count: number) {
    this.startsToReject = count;
  }

  private takeFault(state: string, when: Fault["when"], transferId: string | undefined) {
    const fault = this.faults.find(
      (f) => f.state === state && f.when === when && f.remaining > 0 && (!f.transferId || f.transferId === transferId),
    );
    if (!fault || Math.random() >= (fault.probability ?? 1)) return undefined;
    fault.remaining -= 1;
    const error = new Error(`Injected fault ${when} ${state}`);
    error.name = fault.errorName ?? "Sandbox.Timedout";
    return error;
  }

  private bindTask(state: string, step: StepName) {
    const handler = this.options.handlers[step];
    return async (input: unknown) => {
      const transferId = (input as { saga?: { transferId?: string } })?.saga?.transferId;
      const before = this.takeFault(state, "before", transferId);
      if (before) throw before;
      const output = await handler(input);
      const after = this.takeFault(state, "after", transferId);
      if (after) throw after;
      return output;
    };
  }

  /** StartExecution, fire and forget (as the pipe does); returns the execution id. */
  startExecution(input: unknown): string {
    if (this.startsToReject > 0) {
      this.startsToReject -= 1;
      const error = new Error("Rate exceeded (injected)");
      error.name = "ThrottlingException";
      throw error;
    }
    const executionId = `arn:aws:states:local:000000000000:execution:transfer-saga:${randomUUID()}`;
    this.run(executionId, input);
    return executionId;
  }

  // ExecutionControl, for the stuck-transfer sweep.
  async describe(executionId: string) {
    const record = this.executions.get(executionId);
    return record && { status: record.status, redrivable: record.status === "FAILED" };
  }

  /**
   * Redrive, as AWS does it: the same execution resumes at the state that failed, with the
   * document that state received (the states before it are not run again).
   */
  async redrive(executionId: string) {
    const record = this.executions.get(executionId);
    if (!record || record.status !== "FAILED" || !record.resumeAt) throw new Error(`Execution ${executionId} is not redrivable`);
    this.finished.delete(executionId);
    record.states.push("(redrive)");
    this.run(executionId, record.resumeAt.input, { record, startAt: record.resumeAt.state });
  }

  /**
   * Resumes an execution a previous process left in flight, at the task it was in, with the
   * document that task received (the journal's entry): the execution outlives the process.
   */
  resume(entry: { executionId: string; state: string; input: unknown }) {
    const record: ExecutionRecord = { executionId: entry.executionId, input: entry.input, status: "RUNNING", states: ["(resumed)"] };
    this.run(entry.executionId, entry.input, { record, startAt: entry.state });
  }

  async start(input: ExecutionInput) {
    return this.startExecution(input);
  }

  private run(executionId: string, input: unknown, redrive?: { record: ExecutionRecord; startAt: string }) {
    // StartExecution's own checks (input size) refuse the call before any execution exists.
    const tasks = Object.fromEntries(Object.entries(TASK_STEP).map(([state, step]) => [state, this.bindTask(state, step)]));
    const execution = this.machine.run(input, {
      tasks,
      startAt: redrive?.startAt,
      context: { Execution: { Id: executionId, Name: executionId.split(":").pop(), RoleArn: STATE_MACHINE_ARN } },
    });
    const transferId = ExecutionInput.safeParse(input).data?.[0].transferId;
    const record: ExecutionRecord = redrive?.record ?? { executionId, input, transferId, status: "RUNNING", states: [] };
    record.status = "RUNNING";
    record.error = record.errorName = undefined;
    this.executions.set(executionId, record);
    const done = (async () => {
      const events = (async () => {
        for await (const event of execution.eventLogs) {
          if (event.type === "StateEntered") {
            record.states.push(event.state.name);
            if (event.state.type === "Task") {
              record.resumeAt = { state: event.state.name, input: event.state.input };
              this.options.journal?.entered({ executionId, state: event.state.name, input: event.state.input });
            }
          }
          if (event.type === "StateRetried") record.states.push(`${event.state.name}:retry`);
        }
      })();
      try {
        await execution.result;
        record.status = "SUCCEEDED";
      } catch (error) {
        record.status = "FAILED";
        record.error = error instanceof Error ? error.message : String(error);
        record.errorName = executionErrorName(error);
        record.failState = this.failStateErrors.has(record.errorName ?? "");
      }
      await events.catch(() => {});
      // An execution that failed at a task (retries exhausted, no Catch) may still be redriven by the
      // sweep, so it stays (rare); one that ended at a Succeed or Fail state is done with.
      if (record.status === "SUCCEEDED" || record.failState) {
        this.retire(executionId);
        this.options.journal?.finished(executionId);
      }
      this.options.log?.({ level: "info", message: "execution finished", executionId, status: record.status, states: record.states });
    })();
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** The Error names of the definition's Fail states (computed once: the definition never changes). */
  private get failStateErrors(): Set<string> {
    return (this.failStateErrorNames ??= new Set(
      Object.values(this.definition.States).flatMap((state) => (state.Type === "Fail" && typeof state.Error === "string" ? [state.Error] : [])),
    ));
  }
  private failStateErrorNames: Set<string> | undefined;

  /** Keeps the newest `retainFinished` finished executions (the sweep looks at recent ones only). */
  private retire(executionId: string) {
    this.finished.delete(executionId);
    this.finished.add(executionId);
    const cap = this.options.retainFinished ?? DEFAULT_RETAIN_FINISHED;
    for (const oldest of this.finished) {
      if (this.finished.size <= cap) break;
      this.finished.delete(oldest);
      this.executions.delete(oldest);
    }
  }

  get runningCount() {
    return this.inFlight.size;
  }

  /** Resolves when no execution is running. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
