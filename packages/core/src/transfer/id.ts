import * as z from "../util/zod.ts";

/**
 * A transfer's id: the ULID `Transfer.create` mints (its time part orders transfers), and so
 * the saga's input, the wallet's inbox keys (`DEBIT#<id>`) and the API's path parameter.
 * Its own module (re-exported by info.ts) so that a wallet step, which needs only this, does not
 * build the transfer's other schemas at import (zod/mini calls are not tree-shaken; issue 12).
 */
export const TransferId = z.string({ error: "transferId must be a string" }).check(
  z.regex(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/, { error: "transferId must be a ULID" }),
);
