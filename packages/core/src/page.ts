/** A page size, the one rule for every list's `limit`: a whole number from 1 to the list's maximum. Client-safe. */
import * as z from "./util/zod.ts";

const limitChecks = (max: number) => [z.int(), z.minimum(1), z.maximum(max)] as const;

/** A list's `limit` as core takes it: `byDefault` when absent. */
export const pageLimit = (max: number, byDefault: number) => z._default(z.number().check(...limitChecks(max)), byDefault);

/** The same limit in a query string ("20"): optional, so core's default applies when it is absent. */
export const pageLimitQuery = (max: number) => z.optional(z.coerce.number().check(...limitChecks(max)));
