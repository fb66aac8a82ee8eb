/**
 * Money in the dashboard is never a float: decimal strings from the API are parsed into
 * integer minor units (bigint), compared and summed as such, and formatted back.
 */
// Parsing and the decimal form are core's (one definition of what an amount is); grouping and the
// typographic sign are the dashboard's.
import { fromMinor as plainDecimal, toMinor } from "@ewallet/core/money";
export { toMinor };

/** 1234n → "12.34"; with grouping, 123456789n → "1,234,567.89"; negatives with a true minus sign. */
export function fromMinor(minor: bigint, options: { group?: boolean; sign?: boolean } = {}): string {
  const negative = minor < 0n;
  const [digits = "0", fraction = "00"] = plainDecimal(negative ? -minor : minor).split(".");
  const whole = options.group ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : digits;
  const sign = negative ? "−" : options.sign && minor > 0n ? "+" : "";
  return `${sign}${whole}.${fraction}`;
}

/** A decimal string for display (grouped); falls back to the raw text if it is not a decimal. */
export function formatAmount(decimal: string, options: { sign?: boolean } = {}): string {
  try {
    return fromMinor(toMinor(decimal), { group: true, ...options });
  } catch {
    return decimal;
  }
}

/** Sign of a decimal string without floats: -1, 0 or 1. */
export function signOf(decimal: string): -1 | 0 | 1 {
  try {
    const minor = toMinor(decimal);
    return minor < 0n ? -1 : minor > 0n ? 1 : 0;
  } catch {
    return 0;
  }
}
