/**
 * What every saga step shares: parsing its document, running with the transfer id on every
 * log line, and reading the error a Catch left in the document. Each step lives in
 * wallet-steps.ts or status-steps.ts, so a handler bundles only the store it touches.
 */
import { AppError } from "../error.ts";
import { Log } from "../log.ts";
import { BUSINESS_ERRORS, INVALID_STEP_INPUT } from "./errors.ts";
import { StepEvent, type CaughtError } from "./document.ts";
import type { StepName } from "./registry.ts";

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
export function step<R>(name: StepName, body: (event: StepEvent) => Promise<R>) {
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
        // The full cause (e.g. Postgres' own message) goes to the logs only; users see code and plain message.
        const context = error instanceof AppError && !refused ? { details: error.details, cause: error.cause } : {};
        (refused ? Log.info : Log.warn)(refused ? "step refused" : "step failed", { error, ...context, durationMs: Date.now() - startedAt });
        throw error;
      }
    });
  };
}

export const now = () => new Date().toISOString();

/** Plain words for the failures whose own message is not written for users (infrastructure, timeouts). */
const PLAIN_MESSAGES: Record<string, string> = {
  TRANSIENT_DATABASE_ERROR: "The wallet database was unavailable for longer than the transfer could wait",
  TRANSIENT_STORE_ERROR: "The transfer store was unavailable for longer than the transfer could wait",
  STEP_STATES_TIMEOUT: "A step of the transfer took too long",
  STEP_STATES_TASKFAILED: "A step of the transfer failed",
};
const UNKNOWN_FAILURE = "A step of the transfer failed after its retries";
const DOMAIN_CODES: ReadonlySet<string> = new Set(BUSINESS_ERRORS);

/**
 * The failure a Catch recorded, as users see it: a stable code, and either the message core
 * wrote for a business refusal (e.g. "balance 5.00 cannot cover 10.00") or plain words.
 * Infrastructure text (Postgres' "the database system is in recovery mode", host names,
 * stack traces) never reaches a transfer; the step that failed logged it.
 */
export function describeError(error: CaughtError | undefined): { reason: string; message: string } {
  if (!error) return { reason: "UNKNOWN", message: "The saga failed for an unknown reason" };
  const reason = error.Error.startsWith("States.") || error.Error.startsWith("Lambda.") ? `STEP_${error.Error.replace(/\W+/g, "_").toUpperCase()}` : error.Error;
  if (!DOMAIN_CODES.has(reason)) return { reason, message: PLAIN_MESSAGES[reason] ?? UNKNOWN_FAILURE };
  // Step Functions puts a Lambda's error in Cause as JSON ({ errorType, errorMessage }) or as plain text.
  let message = typeof error.Cause === "string" ? error.Cause : JSON.stringify(error.Cause ?? "");
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === "string") message = cause.errorMessage;
  } catch {
    // Plain-text cause: keep it as is.
  }
  return { reason, message: message || reason };
}
