/** ExecutionControl on AWS Step Functions (the sweep's view of the state machine). */
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { ExecutionControl, ExecutionStatus } from "./sweep.ts";

export function stepFunctionsControl(stateMachineArn: string, client = new SFNClient({})): ExecutionControl {
  return {
    async describe(executionId) {
      try {
        const execution = await client.send(new DescribeExecutionCommand({ executionArn: executionId }));
        return { status: execution.status as ExecutionStatus, redrivable: execution.redriveStatus === "REDRIVABLE" };
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return undefined;
        throw error;
      }
    },
    async redrive(executionId) {
      await client.send(new RedriveExecutionCommand({ executionArn: executionId }));
    },
    async start(input) {
      const started = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
      return started.executionArn!;
    },
  };
}
