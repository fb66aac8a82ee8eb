/**
 * Core's step registry is the one list of steps: infra deploys each entry's `handler` (a path
 * string the compiler cannot check), the offline stack and every test run `stepHandlers`. A
 * handler path that names no file or no export would otherwise pass every test and fail only at
 * deploy; here it fails `pnpm test`.
 */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { handlerEntry, SAGA_STEPS, STEP_NAMES } from "@ewallet/core/saga/registry";
import { TASK_STEP } from "@ewallet/core/saga/definition";
import { stepHandlers } from "../src/steps/index.ts";

const root = resolve(import.meta.dirname, "../../..");

describe("saga step registry", () => {
  it.each(STEP_NAMES)("%s: infra's handler path is a file exporting the function the offline stack runs", async (name) => {
    const { file, exportName } = handlerEntry(name);
    const path = resolve(root, `${file}.ts`);
    expect(existsSync(path), `${SAGA_STEPS[name].handler}: no file ${path}`).toBe(true);
    const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    expect(typeof module[exportName], `${SAGA_STEPS[name].handler}: no export ${exportName}`).toBe("function");
    expect(module[exportName]).toBe(stepHandlers[name]);
  });

  it("has a handler for every step and no other, and a task state for each", () => {
    expect(Object.keys(stepHandlers).sort()).toEqual([...STEP_NAMES].sort());
    for (const name of STEP_NAMES) expect(TASK_STEP[SAGA_STEPS[name].state]).toBe(name);
  });
});
