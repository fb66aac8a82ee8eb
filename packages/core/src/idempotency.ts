import { z } from "zod";

/** A client's Idempotency-Key header: 1–255 printable ASCII characters (transfers and deposits alike). */
export const IdempotencyKey = z
  .string({ error: "the Idempotency-Key must be a string" })
  .min(1, { error: "the Idempotency-Key must not be empty" })
  .max(255, { error: "the Idempotency-Key must be at most 255 characters" })
  .regex(/^[\x20-\x7E]+$/, { error: "the Idempotency-Key must be printable ASCII" });
