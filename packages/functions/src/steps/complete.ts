import { StatusSteps } from "@ewallet/core/saga/status-steps";

export const handler = StatusSteps.complete;
