/** The status steps' Lambda handlers (DynamoDB only): infra deploys each export named in core's saga/registry.ts. */
import { StatusSteps } from "@ewallet/core/saga/status-steps";

export const { start, complete, compensate, fail } = StatusSteps;
