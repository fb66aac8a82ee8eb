import * as z from "./util/zod.ts";

/**
 * A client's Idempotency-Key header (transfers and deposits alike): exactly one, 1–255 printable
 * ASCII characters without a comma. HTTP joins repeated header lines with ", " (RFC 9110 §5.3;
 * Node and API Gateway both do), so two keys would otherwise arrive as one key "A, B" and move
 * money under a key nobody sent.
 */
export const IdempotencyKey = z.string({ error: "the Idempotency-Key must be a string" }).check(
  z.minLength(1, { error: "the Idempotency-Key must not be empty" }),
  z.maxLength(255, { error: "the Idempotency-Key must be at most 255 characters" }),
  z.regex(/^[\x20-\x7E]+$/, { error: "the Idempotency-Key must be printable ASCII" }),
  z.refine((key) => !key.includes(","), {
    error: "send exactly one Idempotency-Key header, without commas (repeated headers arrive joined by commas)",
  }),
);
