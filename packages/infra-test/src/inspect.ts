/**
 * Runs one offline evaluation of the SST program (src/evaluate.ts, in its own process) and
 * answers questions about what it declared. Checks return the list of violations, so a failing
 * test says which resource broke which rule.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { buildSagaDefinition } from "../../core/src/saga/definition.ts";
import { pipeSettings, sagaInputTemplate, transferInsertFilter } from "../../core/src/saga/pipe.ts";
import { SAGA_STEPS, STEP_NAMES, type StepName } from "../../core/src/saga/registry.ts";
import type { FunctionTarget, Registration } from "./evaluate.ts";

export const ROOT = path.resolve(import.meta.dirname, "../../..");

export interface Evaluation {
  ok: boolean;
  error?: string;
  stage: string;
  dev: boolean;
  resources: Registration[];
  builds: FunctionTarget[];
  devTargets: FunctionTarget[];
  outputs: Record<string, unknown>;
  /** infra/config.ts `settings` as evaluated for this stage. */
  settings: Record<string, any>;
}

/** Variables that change what infra declares; an evaluation sees only those a test gives it. */
const CONFIG_VARIABLES = ["DATABASE_URL", "ALARM_EMAIL", "SEED_DEMO", "AWS_REGION", "DEV_POSTGRES_HOST", "DEV_POSTGRES_PORT", "DEV_POSTGRES_USER", "DEV_POSTGRES_PASSWORD", "DEV_POSTGRES_DATABASE"];

export async function evaluate(stage: string, options: { dev?: boolean; env?: Record<string, string> } = {}): Promise<Evaluation> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  Object.assign(env, options.env);
  const args = ["--import", "tsx", path.join(import.meta.dirname, "evaluate.ts"), stage, ...(options.dev ? ["--dev"] : [])];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, args, { cwd: ROOT, env, maxBuffer: 256 * 1024 * 1024 }, (error, out, err) =>
      error ? reject(new Error(`evaluation crashed: ${error.message}\n${err}`)) : resolve(out),
    ),
  );
  return JSON.parse(stdout) as Evaluation;
}

export const ofType = (ev: Evaluation, type: string) => ev.resources.filter((r) => r.type === type);
export const named = (ev: Evaluation, type: string, name: string) => {
  const found = ev.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};

const LAMBDA = "aws:lambda/function:Function";
const pascal = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
export const stepFunctionId = (key: StepName) => `Step${pascal(key)}`;

/** Every SST function (by its component name) with its Lambda inputs, role policy and links. */
export function functions(ev: Evaluation) {
  return ev.builds.concat(ev.devTargets).map((target) => {
    const lambda = named(ev, LAMBDA, `${target.functionID}Function`).inputs;
    const role = named(ev, "aws:iam/role:Role", `${target.functionID}Role`).inputs;
    const statements = (role.inlinePolicies ?? []).flatMap((p: { policy: string }) => JSON.parse(p.policy).Statement);
    const actions: string[] = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    return { id: target.functionID, lambda, actions, links: Object.keys(target.links), linkProperties: target.links };
  });
}

/**
 * AWS services a function's code calls over the network, from what it was granted. The Aurora
 * link also grants the Data API and its secret (SST's default); the wallet client connects with
 * the linked password over TCP (core/src/wallet/client.ts) and calls neither, so they are not counted.
 */
const UNCALLED_LINK_GRANTS = new Set(["rds-data", "secretsmanager"]);
export function calledServices(fn: ReturnType<typeof functions>[number]): string[] {
  return [...new Set(fn.actions.map((a) => a.split(":")[0]!).filter((s) => !UNCALLED_LINK_GRANTS.has(s)))].sort();
}

/** Each function in the VPC must reach every AWS service it calls without a NAT; Postgres needs the VPC. */
export function vpcReachabilityViolations(ev: Evaluation): string[] {
  const violations: string[] = [];
  const nats = ofType(ev, "aws:ec2/natGateway:NatGateway");
  const endpoints = ofType(ev, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs);
  const privateRouteTables = ofType(ev, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("Private")).map((r) => `${r.name}-id`);
  for (const fn of functions(ev)) {
    const inVpc = (fn.lambda.vpcConfig?.subnetIds ?? []).length > 0;
    if (!inVpc) {
      if (fn.links.includes("Postgres") && !ev.dev) violations.push(`${fn.id}: uses Postgres but is outside the VPC`);
      continue;
    }
    if (nats.length > 0) continue;
    for (const service of calledServices(fn)) {
      const endpoint = endpoints.find((e) => String(e.serviceName).endsWith(`.${service}`));
      if (!endpoint) violations.push(`${fn.id}: calls ${service} from the VPC without a NAT or a VPC endpoint`);
      else if (endpoint.vpcEndpointType === "Gateway" && !privateRouteTables.every((t) => endpoint.routeTableIds?.includes(t)))
        violations.push(`${fn.id}: the ${service} endpoint is not on every private route table`);
    }
  }
  return violations;
}

/** Wallet steps: Postgres only, no DynamoDB. Status steps: the table only, no path to Postgres. */
export function leastPrivilegeViolations(ev: Evaluation): string[] {
  const violations: string[] = [];
  const byId = new Map(functions(ev).map((fn) => [fn.id, fn]));
  for (const key of STEP_NAMES) {
    const fn = byId.get(stepFunctionId(key));
    if (!fn) {
      violations.push(`${key}: no function`);
      continue;
    }
    if (SAGA_STEPS[key].store === "postgres") {
      if (fn.actions.some((a) => a.startsWith("dynamodb:"))) violations.push(`${fn.id}: a wallet step may not touch DynamoDB`);
      if (fn.links.join() !== "Postgres") violations.push(`${fn.id}: links ${fn.links.join()} (expected Postgres only)`);
    } else {
      if (fn.lambda.vpcConfig) violations.push(`${fn.id}: a status step sits in the VPC (a network path to Postgres)`);
      if (fn.links.includes("Postgres")) violations.push(`${fn.id}: a status step is linked to Postgres`);
      if (fn.actions.some((a) => /^(rds|rds-data|secretsmanager):/.test(a))) violations.push(`${fn.id}: a status step has database grants`);
      if (fn.links.join() !== "Transfers") violations.push(`${fn.id}: links ${fn.links.join()} (expected Transfers only)`);
    }
  }
  return violations;
}

/** The pipe's source and target parameters, from core's exported constants. */
export function pipeViolations(ev: Evaluation): string[] {
  const pipe = named(ev, "aws:pipes/pipe:Pipe", "TransferPipe").inputs;
  const table = named(ev, "aws:dynamodb/table:Table", "TransfersTable").inputs;
  const queue = named(ev, "aws:sqs/queue:Queue", "PipeDeadLettersQueue");
  const machine = named(ev, "aws:sfn/stateMachine:StateMachine", "Saga");
  const stream = pipe.sourceParameters?.dynamodbStreamParameters ?? {};
  const expected: Array<[string, unknown, unknown]> = [
    ["source", pipe.source, `arn:aws:dynamodb:us-east-1:123456789012:table/${table.name}/stream/mock`],
    ["target", pipe.target, `arn:aws:states:us-east-1:123456789012:stateMachine:${machine.inputs.name ?? "Saga-mock"}`],
    ["filter", (pipe.sourceParameters?.filterCriteria?.filters ?? []).map((f: { pattern: string }) => JSON.parse(f.pattern)), [transferInsertFilter]],
    ["startingPosition", stream.startingPosition, pipeSettings.startingPosition],
    ["batchSize", stream.batchSize, pipeSettings.batchSize],
    ["maximumRetryAttempts", stream.maximumRetryAttempts, pipeSettings.maximumRetryAttempts],
    ["maximumRecordAgeInSeconds", stream.maximumRecordAgeInSeconds, pipeSettings.maximumRecordAgeInSeconds],
    ["deadLetterConfig", stream.deadLetterConfig?.arn, `arn:aws:sqs:us-east-1:123456789012:${queue.name}`],
    ["inputTemplate", pipe.targetParameters?.inputTemplate, sagaInputTemplate],
    ["invocationType", pipe.targetParameters?.stepFunctionStateMachineParameters?.invocationType, pipeSettings.invocationType],
  ];
  return expected
    .filter(([, actual, wanted]) => JSON.stringify(actual) !== JSON.stringify(wanted))
    .map(([what, actual, wanted]) => `pipe ${what}: ${JSON.stringify(actual)} (expected ${JSON.stringify(wanted)})`);
}

/** Core's ASL builder, fed the real function ARNs and infra's task timeout. */
export function expectedSagaDefinition(ev: Evaluation) {
  const functionsByStep = Object.fromEntries(
    STEP_NAMES.map((key) => {
      const name = named(ev, LAMBDA, `${stepFunctionId(key)}Function`).inputs.name;
      // The version this deploy published (the mock provider numbers it 1), never $LATEST.
      return [key, `arn:aws:lambda:us-east-1:123456789012:function:${name}:1`];
    }),
  ) as Record<StepName, string>;
  return buildSagaDefinition({ functions: functionsByStep, taskTimeoutSeconds: ev.settings.sagaTaskTimeoutSeconds });
}

/** Every alarm notifies a topic the stage declares. */
export function alarmViolations(ev: Evaluation): string[] {
  const topics = new Set(ofType(ev, "aws:sns/topic:Topic").map((t) => `arn:aws:sns:us-east-1:123456789012:${t.inputs.name ?? `${t.name}-mock`}`));
  return ofType(ev, "aws:cloudwatch/metricAlarm:MetricAlarm").flatMap((alarm) => {
    const actions: string[] = alarm.inputs.alarmActions ?? [];
    if (actions.length === 0) return [`${alarm.name}: no alarm action`];
    return actions.filter((a) => !topics.has(a)).map((a) => `${alarm.name}: action ${a} is not a topic of this stage`);
  });
}

/** Sum of reserved concurrency over the stage's functions. */
export const reservedConcurrency = (ev: Evaluation) =>
  ofType(ev, LAMBDA).reduce((sum, fn) => sum + (fn.inputs.reservedConcurrentExecutions ?? 0), 0);

/** The Aurora cluster's settings as declared. */
export function postgresCluster(ev: Evaluation) {
  const cluster = named(ev, "aws:rds/cluster:Cluster", "PostgresCluster").inputs;
  const parameters = named(ev, "aws:rds/clusterParameterGroup:ClusterParameterGroup", "PostgresClusterParameterGroup").inputs.parameters ?? [];
  return {
    engine: cluster.engine as string,
    minAcu: cluster.serverlessv2ScalingConfiguration?.minCapacity as number,
    maxAcu: cluster.serverlessv2ScalingConfiguration?.maxCapacity as number,
    secondsUntilAutoPause: cluster.serverlessv2ScalingConfiguration?.secondsUntilAutoPause as number | undefined,
    parameters: Object.fromEntries(parameters.map((p: { name: string; value: string }) => [p.name, p.value])) as Record<string, string>,
    proxies: ofType(ev, "aws:rds/proxy:Proxy").length,
    instances: ofType(ev, "aws:rds/clusterInstance:ClusterInstance").map((i) => i.inputs.instanceClass as string),
  };
}
