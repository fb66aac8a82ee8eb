/**
 * zod for the modules a small handler loads (money, user ids, the saga document, the wallet):
 * `zod/mini`, zod 4's functional API over the same core as classic zod, about 12 KiB bundled
 * where classic zod brings about 440 KiB (issue 12: the wallet steps' cold start). Classic
 * callers (the API, transfers) nest these schemas in their own; both sides share zod/v4/core.
 *
 * Classic zod registers English messages when it builds its first schema; mini registers none
 * ("Invalid input" everywhere), so a handler without classic zod would word its default
 * messages differently from one with it. Registering the same locale here keeps every message
 * identical whichever side loaded first.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

if (!config().localeError) config(en());

// Re-exported name by name (import it as `* as z`): a namespace object passed along whole would
// keep all of zod, every locale included, in the bundle.
export * from "zod/mini";
