/**
 * What every saga step shares: parsing its document, running with the transfer id on every
 * log line, and reading the error a Catch left in the document. Each step lives in
 * wallet-steps.ts or status-steps.ts, so a handler bundles only the store it touches.
 */
import { AppError } from "../error.ts";
import { Log } from "../log.ts";
import { INVALID_STEP_INPUT } from "./errors.ts";
import { StepEvent, type CaughtError, type SagaStepKey } from "./steps.ts";

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
export function step<R>(name: SagaStepKey, body: (event: StepEvent) => Promise<R>) {
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

export const now = () => new Date().toISOString();

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

