/** The dashboard's own money arithmetic: integer minor units, never floats. */
import { describe, expect, it } from "vitest";
import { conservation } from "../src/format.ts";
import { formatAmount, fromMinor, toMinor } from "../src/money.ts";

describe("dashboard money", () => {
  it("parses decimal strings into minor units and back", () => {
    expect(toMinor("12.34")).toBe(1234n);
    expect(toMinor("-0.5")).toBe(-50n);
    expect(toMinor("7")).toBe(700n);
    expect(toMinor("9999999999999999.99")).toBe(999999999999999999n);
    expect(() => toMinor("1e3")).toThrow(RangeError);
    expect(() => toMinor("1.001")).toThrow(RangeError);
    expect(fromMinor(123456789n, { group: true })).toBe("1,234,567.89");
    expect(fromMinor(-5n)).toBe("−0.05");
    expect(formatAmount("10", { sign: true })).toBe("+10.00");
  });

  it("is green only when sum + in transit is exactly zero with no mismatch or negative balance", () => {
    const ok = { sumOfBalances: "-25.50", inTransit: "25.50", accountsWithLedgerMismatch: 0, negativeUserBalances: 0, drift: "0.00", conserved: true };
    expect(conservation(ok).ok).toBe(true);
    // 0.1 + 0.2 - 0.3 is not 0 in floats; it is in cents.
    expect(conservation({ ...ok, drift: "-0.01", conserved: false })).toMatchObject({ ok: false, drift: -1n });
    expect(conservation({ ...ok, accountsWithLedgerMismatch: 1, conserved: false }).ok).toBe(false);
    expect(conservation({ ...ok, negativeUserBalances: 2, conserved: false }).ok).toBe(false);
    expect(conservation({ ...ok, drift: "NaN" }).ok).toBe(false);
    expect(conservation({ ...ok, conserved: false }).problems).toEqual(["the API reports an invariant broken"]);
  });
});
