// Every test passes, but a promise rejection nobody handles escapes: the run must not be green.
import { expect, it } from "vitest";

it("passes but leaks a rejection", async () => {
  void Promise.reject(new Error("unhandled on purpose"));
  await new Promise((r) => setTimeout(r, 50));
  expect(1).toBe(1);
});
