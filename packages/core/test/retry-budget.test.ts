/**
 * Issue 14: a transient outage of up to 60 s (Postgres or DynamoDB) fails no transfer. Every task
 * state's transient retrier must wait, in total, more than 60 s with overwhelming probability.
 * Step Functions' full jitter draws each wait uniformly in [0, min(IntervalSeconds × BackoffRate^n,
 * MaxDelaySeconds)] ("Retrying after an error", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 * The chance is estimated by sampling (a fixed seed, so the test is deterministic); the attempts'
 * own durations, which only add to the total, are left out.
 */
import { describe, expect, it } from "vitest";
import { STEP_NAMES, type StepName } from "../src/saga/registry.ts";
import { buildSagaDefinition, TASK_STEP } from "../src/saga/definition.ts";

const functions = Object.fromEntries(STEP_NAMES.map((key) => [key, `arn:aws:lambda:eu-west-1:123456789012:function:${key}`])) as Record<StepName, string>;
const OUTAGE_SECONDS = 60;
const SAMPLES = 200_000;

/** mulberry32: a small seeded PRNG. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("retry budget of the saga", () => {
  it("outlasts a 60 s outage at every task state (fewer than 1 in 100,000 executions would give up)", () => {
    const definition = buildSagaDefinition({ functions });
    for (const name of Object.keys(TASK_STEP)) {
      const transient = (definition.States[name]!.Retry as { MaxAttempts: number; IntervalSeconds: number; BackoffRate: number; MaxDelaySeconds: number; JitterStrategy: string }[])[1]!;
      expect(transient.JitterStrategy).toBe("FULL");
      const caps = Array.from({ length: transient.MaxAttempts }, (_, n) => Math.min(transient.IntervalSeconds * transient.BackoffRate ** n, transient.MaxDelaySeconds));
      const next = random(14);
      let short = 0;
      for (let i = 0; i < SAMPLES; i++) {
        let total = 0;
        for (const cap of caps) total += next() * cap;
        if (total < OUTAGE_SECONDS) short += 1;
      }
      expect(short / SAMPLES, `${name}: ${caps.join(", ")} s`).toBeLessThan(1e-5);
      // And it still gives up within the sweep's stuck threshold (15 min), so a real failure surfaces.
      expect(caps.reduce((a, b) => a + b, 0), name).toBeLessThan(15 * 60);
    }
  });
});
