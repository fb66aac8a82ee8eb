import * as z from "../util/zod.ts";

/**
 * The characters an inbox key's reference may hold: a transfer id (a ULID) always fits. Its own
 * module (re-exported by schema.ts) so that the money operations, which a wallet step loads, do
 * not build the wallet's read schemas at import (zod/mini calls are not tree-shaken; issue 12).
 */
export const REFERENCE = "[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}";

/** A deposit's reference: the second half of its inbox key `DEPOSIT#<reference>`. */
export const DepositReference = z.string({ error: "a deposit reference must be a string" }).check(
  z.regex(new RegExp(`^${REFERENCE}$`), {
    error: "a deposit reference must be 1–128 characters: letters, digits, '_', '.', ':', '@', '-'",
  }),
);
