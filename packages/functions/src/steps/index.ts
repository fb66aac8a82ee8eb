/** Every step handler by its saga step key, for the offline stack to bind to the state machine. */
import type { SagaStepKey } from "@ewallet/core/saga/steps";
import { handler as start } from "./start.ts";
import { handler as debit } from "./debit.ts";
import { handler as credit } from "./credit.ts";
import { handler as complete } from "./complete.ts";
import { handler as compensate } from "./compensate.ts";
import { handler as reverseCredit } from "./reverse-credit.ts";
import { handler as refund } from "./refund.ts";
import { handler as fail } from "./fail.ts";

export const stepHandlers: Record<SagaStepKey, (event: unknown) => Promise<unknown>> = {
  start,
  debit,
  credit,
  complete,
  compensate,
  reverseCredit,
  refund,
  fail,
};
