import { buildSagaDefinition } from "../packages/core/src/saga/definition";
import { pipeSettings, sagaInputTemplate, transferInsertFilter } from "../packages/core/src/saga/pipe";
import { SAGA_STEPS, STEP_NAMES, type StepName } from "../packages/core/src/saga/registry";
import { functionDefaults, functionVpc, settings, walletEnvironment } from "./config";
import { postgres, table, vpc } from "./storage";

const pascal = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

/**
 * One function per step of core's registry, linked only to the store it touches: wallet steps
 * to Postgres (in the VPC), status steps to the table (outside the VPC: no NAT needed).
 *
 * Each deploy publishes a version of every step, and the state machine calls those versions, not
 * $LATEST: an execution keeps the definition it started with ("Running executions will continue to
 * use the previous definition", AWS UpdateStateMachine; a redrive too, AWS RedriveExecution), so
 * a saga in flight during a deploy finishes on the step code it started with, whatever the new
 * code expects of the saga document.
 */
export const stepFunctions = Object.fromEntries(
  STEP_NAMES.map((key) => {
    const step = SAGA_STEPS[key];
    const wallet = step.store === "postgres";
    const fn = new sst.aws.Function(`Step${pascal(key)}`, {
      ...functionDefaults,
      handler: step.handler,
      description: step.description,
      timeout: "20 seconds",
      versioning: true,
      link: wallet ? [postgres] : [table],
      // No reserved concurrency: connections are bounded by the pool and the database (infra/config.ts).
      vpc: wallet ? functionVpc(vpc) : undefined,
      environment: wallet ? walletEnvironment : undefined,
    });
    return [key, fn];
  }),
) as Record<StepName, sst.aws.Function>;

const logGroup = new aws.cloudwatch.LogGroup("SagaLogs", {
  name: `/aws/vendedlogs/states/${$app.name}-${$app.stage}-saga`,
  retentionInDays: 30,
});

const sagaRole = new aws.iam.Role("SagaRole", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "states.amazonaws.com" }),
  inlinePolicies: [
    {
      name: "invoke-steps",
      policy: $jsonStringify({
        Version: "2012-10-17",
        Statement: [
          // Every published version: executions started before a deploy call the versions of theirs.
          { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: Object.values(stepFunctions).map((fn) => $interpolate`${fn.arn}:*`) },
          {
            Effect: "Allow",
            Action: [
              "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
              "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
              "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
            ],
            Resource: "*",
          },
        ],
      }),
    },
  ],
});

const functionArns = $util.all(
  Object.fromEntries(Object.entries(stepFunctions).map(([key, fn]) => [key, fn.nodes.function.qualifiedArn])) as Record<StepName, $util.Output<string>>,
);

/** The saga: core's ASL, built from the ARNs of the steps' versions this deploy published. */
export const stateMachine = new aws.sfn.StateMachine("Saga", {
  type: settings.workflowType,
  roleArn: sagaRole.arn,
  definition: functionArns.apply((functions) => JSON.stringify(buildSagaDefinition({ functions, taskTimeoutSeconds: settings.sagaTaskTimeoutSeconds }))),
  loggingConfiguration: { logDestination: $interpolate`${logGroup.arn}:*`, includeExecutionData: true, level: "ERROR" },
  tracingConfiguration: { enabled: true },
});

/** A failed StartExecution is retried by the pipe, then lands here. */
export const pipeDeadLetters = new sst.aws.Queue("PipeDeadLetters");

const pipeRole = new aws.iam.Role("PipeRole", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "pipes.amazonaws.com" }),
  inlinePolicies: [
    {
      name: "stream-to-saga",
      policy: $jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
            Resource: [table.nodes.table.streamArn],
          },
          { Effect: "Allow", Action: ["states:StartExecution"], Resource: [stateMachine.arn] },
          { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [pipeDeadLetters.arn] },
        ],
      }),
    },
  ],
});

/** Table stream → (transfer INSERTs only) → saga input → state machine, fire and forget. */
export const pipe = new aws.pipes.Pipe("TransferPipe", {
  roleArn: pipeRole.arn,
  source: table.nodes.table.streamArn,
  target: stateMachine.arn,
  sourceParameters: {
    filterCriteria: { filters: [{ pattern: JSON.stringify(transferInsertFilter) }] },
    dynamodbStreamParameters: {
      startingPosition: pipeSettings.startingPosition,
      batchSize: pipeSettings.batchSize,
      maximumRetryAttempts: pipeSettings.maximumRetryAttempts,
      maximumRecordAgeInSeconds: pipeSettings.maximumRecordAgeInSeconds,
      deadLetterConfig: { arn: pipeDeadLetters.arn },
    },
  },
  targetParameters: {
    inputTemplate: sagaInputTemplate,
    stepFunctionStateMachineParameters: { invocationType: pipeSettings.invocationType },
  },
});

/** Every alarm of the stage notifies this topic; its subscriber is per-stage configuration (ALARM_EMAIL). */
export const alarmTopic = new aws.sns.Topic("Alarms");
if (settings.alarmEmail) {
  new aws.sns.TopicSubscription("AlarmsEmail", { topic: alarmTopic.arn, protocol: "email", endpoint: settings.alarmEmail });
}

new aws.cloudwatch.MetricAlarm("PipeDeadLettersAlarm", {
  alarmDescription: "A transfer's saga could not be started: see the pipe's dead-letter queue",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: pipeDeadLetters.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  alarmActions: [alarmTopic.arn],
});

/** A saga failure never reaches the pipe: a sweep finds transfers stuck in PROCESSING and redrives them. */
export const stuckSweep = new sst.aws.Cron("StuckSweep", {
  schedule: settings.stuckSweepSchedule,
  function: {
    ...functionDefaults,
    handler: "packages/functions/src/sweep.handler",
    timeout: "1 minute",
    link: [table],
    environment: { STUCK_AFTER_MINUTES: String(settings.stuckAfterMinutes), SAGA_STATE_MACHINE_ARN: stateMachine.arn },
    permissions: [
      { actions: ["states:StartExecution"], resources: [stateMachine.arn] },
      {
        actions: ["states:DescribeExecution", "states:RedriveExecution"],
        resources: [$interpolate`${stateMachine.arn.apply((arn) => arn.replace(":stateMachine:", ":execution:"))}:*`],
      },
    ],
  },
});
