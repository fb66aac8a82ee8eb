import * as z from "./util/zod.ts";

/**
 * Money is never a float. On the wire and in Postgres an amount is a decimal
 * string with at most two decimals ("12.34"); in TypeScript arithmetic it is an
 * integer number of minor units (bigint).
 */
export const CURRENCY = "EUR";
export const MINOR_PER_MAJOR = 100n;
/** Largest amount a single transfer may carry: 1,000,000,000.00. */
export const MAX_TRANSFER_MINOR = 100_000_000_000n;

const DECIMAL = /^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$/;
const SIGNED_DECIMAL = /^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,2})?$/;

/** Parses a decimal string (optionally signed, e.g. from Postgres) into minor units. */
export function toMinor(decimal: string): bigint {
  if (!SIGNED_DECIMAL.test(decimal)) throw new RangeError(`not a decimal amount: ${JSON.stringify(decimal)}`);
  const negative = decimal.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? decimal.slice(1) : decimal).split(".");
  const minor = BigInt(whole) * MINOR_PER_MAJOR + BigInt(fraction.padEnd(2, "0"));
  return negative ? -minor : minor;
}

/** Formats minor units as a decimal string with exactly two decimals ("-3.50"). */
export function fromMinor(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const whole = abs / MINOR_PER_MAJOR;
  const fraction = (abs % MINOR_PER_MAJOR).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/** Normalises any accepted decimal string to its canonical two-decimal form ("5" → "5.00"). */
export function normalize(decimal: string): string {
  return fromMinor(toMinor(decimal));
}

/**
 * A transfer amount as clients send it: a positive decimal string, at most two
 * decimals, no exponent, no sign, no more than MAX_TRANSFER_MINOR.
 * The output is the canonical form, so "5" and "5.00" are the same request.
 */
export const Amount = z.pipe(
  z.string({ error: "amount must be a decimal string such as \"12.34\"" }).check(
    z.superRefine((value, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message, input: value });
      if (!DECIMAL.test(value)) return fail("amount must be a decimal string with at most two decimals, such as \"12.34\"");
      const minor = toMinor(value);
      if (minor <= 0n) return fail("amount must be greater than zero");
      if (minor > MAX_TRANSFER_MINOR) return fail(`amount must not exceed ${fromMinor(MAX_TRANSFER_MINOR)}`);
    }),
  ),
  z.transform(normalize),
);
export type Amount = z.output<typeof Amount>;
