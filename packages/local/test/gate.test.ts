/**
 * The test gate itself: CI reads only the exit status of `pnpm test`, so prove that status is
 * non-zero when a test fails, a file errors or a rejection escapes, and 0 when all passed. It runs
 * the real command (same global setup, which starts the engines and once masked failures) on
 * fixtures kept out of the normal suite (packages/local/test/gate/*.fixture.ts).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));
// Inside `pnpm test`, npm_execpath is the pnpm (an executable) that runs us; else the one on PATH.
const pnpm = process.env.npm_execpath?.includes("pnpm") ? process.env.npm_execpath : "pnpm";

function runTestCommand(fixture: string) {
  const run = spawnSync(pnpm, ["test", "--config", "packages/local/test/gate/vitest.config.ts"], {
    cwd: root,
    env: { ...process.env, GATE_FIXTURE: fixture, VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("pnpm test exit status", { timeout: 150_000 }, () => {
  it("is non-zero when a test fails", () => {
    const run = runTestCommand("failing.fixture.ts");
    expect(run.output).toMatch(/1 failed/);
    expect(run.status, run.output).not.toBe(0);
  });

  it("is non-zero when a test file errors while loading", () => {
    const run = runTestCommand("erroring.fixture.ts");
    expect(run.output).toMatch(/errors while loading, on purpose/);
    expect(run.status, run.output).not.toBe(0);
  });

  it("is non-zero when an unhandled rejection escapes a passing test", () => {
    const run = runTestCommand("rejecting.fixture.ts");
    expect(run.output).toMatch(/unhandled on purpose/);
    expect(run.status, run.output).not.toBe(0);
  });

  it("is 0 when every test passes", () => {
    const run = runTestCommand("passing.fixture.ts");
    expect(run.output).toMatch(/1 passed/);
    expect(run.status, run.output).toBe(0);
  });
});
