import { describe, expect, it } from "vitest";
import { Amount, fromMinor, MAX_TRANSFER_MINOR, normalize, toMinor } from "../src/money.ts";

describe("money", () => {
  it("converts decimal strings to minor units and back exactly", () => {
    expect(toMinor("12.34")).toBe(1234n);
    expect(toMinor("0.1")).toBe(10n);
    expect(toMinor("0.01")).toBe(1n);
    expect(toMinor("7")).toBe(700n);
    expect(toMinor("-3.5")).toBe(-350n);
    expect(fromMinor(1234n)).toBe("12.34");
    expect(fromMinor(5n)).toBe("0.05");
    expect(fromMinor(-350n)).toBe("-3.50");
    expect(fromMinor(0n)).toBe("0.00");
    // 0.1 + 0.2 is the classic float failure; in minor units it is exact.
    expect(fromMinor(toMinor("0.1") + toMinor("0.2"))).toBe("0.30");
  });

  it("handles amounts far beyond Number.MAX_SAFE_INTEGER without loss", () => {
    expect(fromMinor(toMinor("9999999999999999.99"))).toBe("9999999999999999.99");
  });

  it("normalises equivalent amounts to one canonical form", () => {
    expect(normalize("5")).toBe("5.00");
    expect(normalize("5.5")).toBe("5.50");
    expect(Amount.parse("10")).toBe("10.00");
  });

  it.each(["0", "0.00", "-1.00", "1.234", "1e3", "1E3", "+5", " 5", "5 ", "05.00", ".5", "5.", "", "abc", "NaN", "Infinity", "0x10", "1,00", "12345678901234567"])(
    "rejects %j as a transfer amount",
    (input) => {
      expect(Amount.safeParse(input).success).toBe(false);
    },
  );

  it.each([12.34, 5, null, undefined, {}, 10n])("rejects non-string %s", (input) => {
    expect(Amount.safeParse(input).success).toBe(false);
  });

  it("accepts the bounds and rejects absurd sizes", () => {
    expect(Amount.parse("0.01")).toBe("0.01");
    expect(Amount.parse(fromMinor(MAX_TRANSFER_MINOR))).toBe("1000000000.00");
    expect(Amount.safeParse(fromMinor(MAX_TRANSFER_MINOR + 1n)).success).toBe(false);
  });

  it("explains why an amount was rejected", () => {
    const result = Amount.safeParse("1.234");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/two decimals/);
  });
});
