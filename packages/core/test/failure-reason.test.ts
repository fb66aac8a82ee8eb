/** Issue 14, finding 8: a failed transfer shows a stable code and plain words, never the database's own text. */
import { describe, expect, it } from "vitest";
import { describeError } from "../src/saga/step.ts";
import { toWalletError } from "../src/wallet/client.ts";
import { WalletError } from "../src/wallet/errors.ts";
import { AppError } from "../src/error.ts";

/** What Step Functions records in a Catch's ResultPath when a Lambda throws `error`. */
function caught(error: Error) {
  return { Error: error.name, Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: (error.stack ?? "").split("\n") }) };
}

const postgresText = "the database system is in recovery mode";

describe("failure reasons shown to users", () => {
  it("a transient database failure: stable code, plain message, no Postgres text", () => {
    const pgError = Object.assign(new Error(postgresText), { code: "57P03", severity: "FATAL", address: "10.0.3.17", port: 5432 });
    const mapped = toWalletError(pgError) as AppError;
    expect(mapped).toMatchObject({ kind: "transient", code: "TRANSIENT_DATABASE_ERROR" });
    expect(mapped.message).not.toContain(postgresText);
    // The logs keep the whole story.
    expect(mapped.details).toMatchObject({ databaseCode: "57P03", databaseMessage: postgresText });
    expect(mapped.cause).toBe(pgError);

    const shown = describeError(caught(mapped));
    expect(shown.reason).toBe("TRANSIENT_DATABASE_ERROR");
    expect(shown.message).not.toMatch(/57P03|recovery|10\.0\.3\.17|at /);
    expect(shown.message).toMatch(/database was unavailable/);
  });

  it("even an error whose message carries raw text (an unmapped driver error) shows plain words", () => {
    const raw = Object.assign(new Error(`connect ECONNREFUSED 10.0.3.17:5432 (${postgresText})`), { name: "PostgresError" });
    const shown = describeError(caught(raw));
    expect(shown.reason).toBe("PostgresError");
    expect(shown.message).not.toMatch(/ECONNREFUSED|10\.0\.3\.17|recovery/);
    expect(describeError({ Error: "States.Timeout", Cause: "Task timed out after 60.00 seconds at arn:aws:lambda:…" })).toEqual({
      reason: "STEP_STATES_TIMEOUT",
      message: "A step of the transfer took too long",
    });
  });

  it("a business refusal keeps the message core wrote for it", () => {
    const refusal = new AppError("business", WalletError.INSUFFICIENT_FUNDS, "balance 5.00 cannot cover 10.00");
    expect(describeError(caught(refusal))).toEqual({ reason: "INSUFFICIENT_FUNDS", message: "balance 5.00 cannot cover 10.00" });
  });
});
