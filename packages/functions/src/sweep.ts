/** Scheduled (infra/saga.ts): finds transfers stuck in PENDING/PROCESSING and restarts, redrives or flags them. */
import { stepFunctionsControl } from "@ewallet/core/saga/executions";
import { DEFAULT_STUCK_AFTER_MINUTES, sweepStuckTransfers } from "@ewallet/core/saga/sweep";

export async function handler() {
  const stateMachineArn = process.env.SAGA_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error("SAGA_STATE_MACHINE_ARN is not set");
  const minutes = Number(process.env.STUCK_AFTER_MINUTES ?? DEFAULT_STUCK_AFTER_MINUTES);
  return sweepStuckTransfers({ olderThanMs: minutes * 60_000, control: stepFunctionsControl(stateMachineArn) });
}
