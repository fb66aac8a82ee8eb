/** One offline stack per test file: started before its tests, stopped after them, injected faults cleared after each. */
import { afterAll, afterEach, beforeAll } from "vitest";
import { DEMO_USERS, startRuntime, type Runtime, type RuntimeOptions } from "../src/stack.ts";
import { apiClient } from "./api-client.ts";

export interface Stack {
  runtime: Runtime;
  /** The API as the demo users and the operator call it. */
  api: ReturnType<typeof apiClient>;
}

/** The demo users unless `seed` says otherwise. Read `runtime` and `api` inside hooks and tests (set once started). */
export function useStack(options: RuntimeOptions): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    stack.runtime = await startRuntime({ seed: DEMO_USERS, ...options });
    stack.api = apiClient(stack.runtime.apiUrl, stack.runtime.token);
  });
  afterEach(() => stack.runtime?.saga.clearFaults());
  afterAll(async () => {
    await stack.runtime?.stop();
  });
  return stack;
}
