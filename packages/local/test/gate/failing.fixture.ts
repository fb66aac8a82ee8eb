// Fails on purpose: the gate test expects the test command to exit non-zero on this file.
import { expect, it } from "vitest";

it("passes", () => expect(1).toBe(1));
it("fails on purpose", () => expect(1).toBe(2));
