/**
 * Every step handler by its name in core's registry, for the offline stack and the tests: the
 * same exports infra deploys (steps-registry.test.ts checks each registry handler path resolves
 * to the function here), and the compiler refuses a step missing from either file.
 */
import type { StepName } from "@ewallet/core/saga/registry";
import * as status from "./status.ts";
import * as wallet from "./wallet.ts";

export type StepHandler = (event: unknown) => Promise<unknown>;

export const stepHandlers = { ...status, ...wallet } satisfies Record<StepName, StepHandler>;
