import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Log } from "../src/log.ts";

let lines: Record<string, unknown>[];
beforeEach(() => {
  lines = [];
  process.env.LOG_LEVEL = "debug";
  const capture = (chunk: string | Uint8Array) => {
    lines.push(JSON.parse(String(chunk)));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture as never);
  vi.spyOn(process.stderr, "write").mockImplementation(capture as never);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env.LOG_LEVEL = "error";
});

describe("structured logs", () => {
  it("writes one JSON object per line with the scope's fields, across awaits and nested scopes", async () => {
    await Log.scope({ transferId: "T1", step: "debit" }, async () => {
      Log.info("first");
      await new Promise((r) => setTimeout(r, 5));
      await Log.scope({ attempt: 2 }, async () => Log.warn("second", { amount: 10n }));
    });
    Log.info("outside");
    expect(lines).toMatchObject([
      { level: "info", message: "first", transferId: "T1", step: "debit" },
      { level: "warn", message: "second", transferId: "T1", step: "debit", attempt: 2, amount: "10" },
      { level: "info", message: "outside" },
    ]);
    expect(lines[2]).not.toHaveProperty("transferId");
    expect(typeof lines[0]!.timestamp).toBe("string");
  });

  it("keeps concurrent scopes apart", async () => {
    await Promise.all(
      ["A", "B", "C"].map((id) =>
        Log.scope({ transferId: id }, async () => {
          await new Promise((r) => setTimeout(r, Math.random() * 10));
          Log.info("done", { expected: id });
        }),
      ),
    );
    for (const line of lines) expect(line.transferId).toBe(line.expected);
  });

  it("honours LOG_LEVEL and serialises errors", () => {
    process.env.LOG_LEVEL = "warn";
    Log.info("hidden");
    Log.error("shown", { error: new TypeError("boom") });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "error", error: { name: "TypeError", message: "boom" } });
  });
});
