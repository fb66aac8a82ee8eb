/**
 * A non-production stage, evaluated offline as `sst deploy --stage pr-42` would (see src/evaluate.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  alarmViolations, evaluate, expectedSagaDefinition, functions, leastPrivilegeViolations, named, ofType, pipeViolations,
  postgresCluster, reservedConcurrency, stepFunctionId, vpcReachabilityViolations, type Evaluation,
} from "../src/inspect.ts";
import { STEP_NAMES } from "../../core/src/saga/registry.ts";
import { costViolations } from "../src/cost.ts";
import { OPENAPI_PATH } from "../../functions/src/api/public.ts";

let ev: Evaluation;
beforeAll(async () => {
  ev = await evaluate("pr-42", { env: { ALARM_EMAIL: "pr-42-alerts@example.com" } });
}, 300_000);

describe("infra, non-production stage", () => {
  it("evaluates as the SST CLI would (e.g. no two linkable components share a name)", () => {
    expect(ev.error).toBeUndefined();
    expect(ev.ok).toBe(true);
    expect(ofType(ev, "aws:lambda/function:Function").length).toBeGreaterThanOrEqual(11);
  });

  it("each function in the VPC reaches every service it calls without a NAT", () => {
    expect(ofType(ev, "aws:ec2/natGateway:NatGateway")).toEqual([]);
    expect(vpcReachabilityViolations(ev)).toEqual([]);
    // The API is the one function that needs both stores: it is in the VPC and calls DynamoDB.
    const apiHandler = functions(ev).find((fn) => fn.id === "ApiHandler")!;
    expect(apiHandler.lambda.vpcConfig.subnetIds.length).toBeGreaterThan(0);
    expect(apiHandler.actions.some((a) => a.startsWith("dynamodb:"))).toBe(true);
  });

  it("routes the public OpenAPI path, without the authorizer, to a function of its own; every other request through the JWT authorizer to the API", () => {
    const integrations = new Map(ofType(ev, "aws:apigatewayv2/integration:Integration").map((i) => [`integrations/${i.name}-id`, i.inputs]));
    const functionOf = (routeKey: string) => {
      const route = ofType(ev, "aws:apigatewayv2/route:Route").find((r) => r.inputs.routeKey === routeKey)!.inputs;
      const uri = String(integrations.get(route.target)?.integrationUri);
      return { authorizationType: route.authorizationType, fn: functions(ev).find((fn) => uri.endsWith(`:function:${fn.lambda.name}`))?.id };
    };
    expect(functionOf(`GET ${OPENAPI_PATH}`)).toEqual({ authorizationType: "NONE", fn: "ApiDocument" });
    expect(functionOf("$default")).toEqual({ authorizationType: "JWT", fn: "ApiHandler" });
    // It reads nothing but its own bundle: no links, no grants, no VPC.
    const document = functions(ev).find((fn) => fn.id === "ApiDocument")!;
    expect({ links: document.links, actions: document.actions.filter((a) => !a.startsWith("logs:")), vpc: document.lambda.vpcConfig }).toEqual({ links: [], actions: [], vpc: undefined });
    expect(document.lambda.handler).toMatch(/openapi-function\.handler$/);
  });

  it("gives each step least privilege", () => {
    expect(leastPrivilegeViolations(ev)).toEqual([]);
  });

  it("wires the pipe with core's filter, input template and settings", () => {
    expect(pipeViolations(ev)).toEqual([]);
  });

  it("deploys core's state machine definition with the real function ARNs, each pinned to the version this deploy published", () => {
    const machine = named(ev, "aws:sfn/stateMachine:StateMachine", "Saga").inputs;
    expect(JSON.parse(machine.definition)).toEqual(expectedSagaDefinition(ev));
    expect(machine.type).toBe("STANDARD");
  });

  it("lets the saga invoke every published version of each step: executions started before a deploy keep calling theirs", () => {
    const role = named(ev, "aws:iam/role:Role", "SagaRole").inputs;
    const statements = (role.inlinePolicies as { policy: string }[]).flatMap((p) => JSON.parse(p.policy).Statement as { Action: string[]; Resource: string | string[] }[]);
    const invocable = statements.filter((st) => st.Action.includes("lambda:InvokeFunction")).flatMap((st) => [st.Resource].flat());
    const stepIds = new Set(STEP_NAMES.map(stepFunctionId));
    const steps = functions(ev).filter((fn) => stepIds.has(fn.id));
    expect(steps.length).toBe(STEP_NAMES.length);
    expect(invocable.sort()).toEqual(steps.map((fn) => `arn:aws:lambda:us-east-1:123456789012:function:${fn.lambda.name}:*`).sort());
    for (const fn of steps) expect(fn.lambda.publish, fn.id).toBe(true);
  });

  it("sends every alarm to the stage's topic, subscribed to the address configured for the stage", () => {
    expect(ofType(ev, "aws:cloudwatch/metricAlarm:MetricAlarm").length).toBeGreaterThan(0);
    expect(alarmViolations(ev)).toEqual([]);
    const subscriptions = ofType(ev, "aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs);
    expect(subscriptions).toEqual([expect.objectContaining({ protocol: "email", endpoint: "pr-42-alerts@example.com" })]);
  });

  it("reserves no concurrency; the pool and the database bound the connections instead", () => {
    expect(reservedConcurrency(ev)).toBe(0);
    const cluster = postgresCluster(ev);
    expect(Number(cluster.parameters.max_connections)).toBeGreaterThan(0);
    for (const fn of functions(ev).filter((f) => f.links.includes("Postgres"))) {
      expect(fn.lambda.environment.variables.WALLET_POOL_MAX, fn.id).toBe("1");
    }
  });

  it("runs Postgres on Aurora Serverless v2 at 0 ACU with auto-pause, without RDS Proxy", () => {
    const cluster = postgresCluster(ev);
    expect(cluster.engine).toBe("aurora-postgresql");
    expect(cluster.instances).toEqual(["db.serverless"]);
    expect(cluster.minAcu).toBe(0);
    expect(cluster.secondsUntilAutoPause).toBeGreaterThanOrEqual(300);
    expect(cluster.proxies).toBe(0);
    // Sessions a frozen Lambda left open must not keep the cluster awake.
    expect(Number(cluster.parameters.idle_session_timeout)).toBeGreaterThan(0);
    expect(Number(cluster.parameters.idle_session_timeout)).toBeLessThan((cluster.secondsUntilAutoPause ?? 0) * 1000);
    for (const fn of functions(ev).filter((f) => f.links.includes("Postgres"))) {
      // A connect held by a resume (~15 s) times out inside the function's own timeout, as a transient error.
      expect(Number(fn.lambda.environment.variables.WALLET_CONNECT_TIMEOUT_SECONDS), fn.id).toBeLessThan(fn.lambda.timeout);
      expect(fn.lambda.environment.variables.WALLET_IDLE_TIMEOUT_SECONDS, fn.id).toBeDefined();
    }
  });

  it("removes its data on `sst remove`", () => {
    const cluster = named(ev, "aws:rds/cluster:Cluster", "PostgresCluster").inputs;
    expect(cluster.deletionProtection).toBe(false);
    expect(cluster.skipFinalSnapshot).toBe(true);
  });

  it("seeds demo users (an operator in admin) and funds their wallets, after the migrations, and says how to sign in", () => {
    const users = ofType(ev, "aws:cognito/user:User");
    // Usernames are handles (the wallet's userId); email is only a verified alias.
    expect(users.map((u) => u.inputs.username).sort()).toEqual(["alice", "bob", "carol", "dave", "operator"]);
    expect(users.map((u) => u.inputs.attributes.email).sort()).toEqual(["alice", "bob", "carol", "dave", "operator"].map((n) => `${n}@demo.invalid`));
    expect(ofType(ev, "aws:cognito/userInGroup:UserInGroup").map((g) => [g.inputs.username, g.inputs.groupName])).toEqual([["operator", "admin"]]);
    const seed = JSON.parse(named(ev, "aws:lambda/invocation:Invocation", "SeedDemoRun").inputs.input);
    // A wallet belongs to the Cognito username (the API reads `username`, never the opaque `sub`).
    expect(seed.users.map((u: { userId: string }) => u.userId)).toEqual(["alice", "bob", "carol", "dave"]);
    const seeder = functions(ev).find((fn) => fn.id === "SeedDemo")!;
    expect(seeder.links).toEqual(["Postgres"]);
    expect(ev.outputs.demoUsers).toMatch(/operator: operator, in admin/);
    expect(String(ev.outputs.demoPassword)).toBe(users[0]!.inputs.password.value ?? users[0]!.inputs.password);
  });

  it("signs people in by handle with a password, as the dashboard and `pnpm run token --stage` do", () => {
    const pool = ofType(ev, "aws:cognito/userPool:UserPool")[0]!.inputs;
    // The username is the handle (email only an alias), held to core's Handle rule by the pre sign-up trigger.
    expect(pool.usernameAttributes).toBeUndefined();
    expect(pool.aliasAttributes).toEqual(["email"]);
    expect(pool.autoVerifiedAttributes).toEqual(["email"]);
    expect(pool.lambdaConfig.preSignUp).toBeTruthy();
    expect(functions(ev).some((fn) => fn.lambda.handler?.includes("pre-sign-up") || fn.id.includes("PreSignUp"))).toBe(true);
    const client = ofType(ev, "aws:cognito/userPoolClient:UserPoolClient")[0]!.inputs;
    expect(client).toMatchObject({
      explicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      generateSecret: false,
      preventUserExistenceErrors: "ENABLED",
    });
    expect(ev.outputs).toMatchObject({ stage: "pr-42" });
    expect(String(ev.outputs.authEndpoint)).toMatch(/^https:\/\/cognito-idp\..+\.amazonaws\.com\/$/);
  });

  it("seeds nothing when the stage is configured not to", async () => {
    const unseeded = await evaluate("pr-43", { env: { SEED_DEMO: "false" } });
    expect(unseeded.ok).toBe(true);
    expect(ofType(unseeded, "aws:cognito/user:User")).toEqual([]);
    expect(ofType(unseeded, "aws:lambda/invocation:Invocation").map((i) => i.name)).toEqual(["MigratorRun"]);
    expect(unseeded.outputs.demoPassword).toBeUndefined();
  }, 300_000);

  it("agrees with docs/COST.md (an idle non-production stage at ≤ $2 and the cost per 1M transfers)", () => {
    expect(costViolations(ev)).toEqual([]);
  });
});
