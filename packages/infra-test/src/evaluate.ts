/**
 * Evaluates the app's SST program (sst.config.ts + infra/*) the way the SST CLI does, with no AWS
 * account, Pulumi CLI or provider plugin: Pulumi's unit-test mocks answer every resource and invoke,
 * and a local HTTP server answers SST's own RPC calls (builds, bootstrap, dev targets).
 *
 * Run as its own process (one evaluation per process: `import("./infra/...")` is cached):
 *   node --import tsx packages/infra-test/src/evaluate.ts <stage> [--dev] > evaluation.json
 * It prints `{ ok: true, resources, outputs }` or `{ ok: false, error }` as one JSON document.
 * Environment variables it is given reach sst.config.ts unchanged (per-stage configuration).
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface Registration {
  type: string;
  name: string;
  /** Inputs as the provider would receive them (Outputs resolved). */
  inputs: Record<string, any>;
  /** For component resources: not sent to a provider. */
  custom: boolean;
}

/**
 * Each function SST asked to build (Runtime.Build) or, under `$dev`, to run locally
 * (Runtime.AddTarget), with the properties of every component linked to it.
 */
export interface FunctionTarget {
  functionID: string;
  handler: string;
  links: Record<string, Record<string, unknown>>;
}

const builds: FunctionTarget[] = [];
const devTargets: FunctionTarget[] = [];

const root = path.resolve(import.meta.dirname, "../../..");
const platform = path.join(root, ".sst/platform");
const [stage = "test", ...flags] = process.argv.slice(2);
const dev = flags.includes("--dev");
const work = mkdtempSync(path.join(tmpdir(), "infra-eval-"));

/** SST's RPC (`SST_SERVER/rpc`, JSON `{ method, params: [arg] }` → `{ result, error }`). */
function answerRpc(method: string, arg: any): unknown {
  switch (method) {
    case "Runtime.Build": {
      builds.push({ functionID: arg.functionID, handler: arg.handler, links: arg.links ?? {} });
      // A stub bundle: the handler's code is built (and tested) elsewhere; infra only needs a folder.
      const out = path.join(work, "build", String(arg.functionID));
      const parsed = path.posix.parse(String(arg.handler));
      mkdirSync(path.join(out, parsed.dir), { recursive: true });
      writeFileSync(path.join(out, parsed.dir, `${parsed.name}.mjs`), "export const handler = async () => ({});\n");
      return { handler: arg.handler, out, errors: [], sourcemaps: [] };
    }
    case "Provider.Aws.Bootstrap":
      return { asset: "sst-asset-mock", state: "sst-state-mock", assetEcrRegistryId: "", assetEcrUrl: "", appsyncHttp: "", appsyncRealtime: "" };
    case "Provider.Aws.Appsync":
      return { http: "appsync.mock", realtime: "appsync-realtime.mock" };
    case "Runtime.AddTarget":
      devTargets.push({ functionID: arg.functionID, handler: arg.handler, links: arg.links ?? {} });
      return {};
    default:
      return undefined;
  }
}

async function startRpcServer(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const { method, params } = JSON.parse(body);
      const result = answerRpc(method, params?.[0]);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(result === undefined ? { error: `rpc: can't find method ${method}` } : { result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  process.env.SST_SERVER = `http://127.0.0.1:${address.port}`;
  return server;
}

const accountId = "123456789012";
const region = "us-east-1";

/** Builds an IAM policy document's JSON from getPolicyDocument's statements (what the provider returns). */
function policyDocument(args: any) {
  const statements = (args.statements ?? []).map((s: any) => {
    const statement: Record<string, unknown> = { Effect: s.effect ?? "Allow" };
    if (s.sid) statement.Sid = s.sid;
    if (s.actions) statement.Action = s.actions;
    if (s.notActions) statement.NotAction = s.notActions;
    if (s.resources) statement.Resource = s.resources;
    if (s.principals) statement.Principal = Object.fromEntries(s.principals.map((p: any) => [p.type, p.identifiers]));
    if (s.conditions) {
      statement.Condition = {};
      for (const c of s.conditions) ((statement.Condition as any)[c.test] ??= {})[c.variable] = c.values;
    }
    return statement;
  });
  return { json: JSON.stringify({ Version: "2012-10-17", Statement: statements }), statements: args.statements, id: "policy" };
}

/** The outputs components read back from their resources, shaped like the provider's. */
function mockState(type: string, name: string, inputs: any): Record<string, unknown> {
  const service = type.split(":")[1]?.split("/")[0] ?? "mock";
  const physical = inputs.name ?? `${name}-mock`;
  const state: Record<string, unknown> = {
    ...inputs,
    arn: inputs.arn ?? `arn:aws:${service}:${region}:${accountId}:${name}`,
    name: physical,
  };
  if (type === "aws:lambda/function:Function") {
    state.arn = `arn:aws:lambda:${region}:${accountId}:function:${physical}`;
    state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${state.arn}/invocations`;
    // As the AWS provider reports them: `publish` makes a version; without it, $LATEST.
    state.version = inputs.publish ? "1" : "$LATEST";
    state.qualifiedArn = `${state.arn}:${state.version}`;
  }
  if (type === "aws:sfn/stateMachine:StateMachine") state.arn = `arn:aws:states:${region}:${accountId}:stateMachine:${physical}`;
  if (type === "aws:dynamodb/table:Table") state.streamArn = `arn:aws:dynamodb:${region}:${accountId}:table/${physical}/stream/mock`;
  if (type === "aws:sqs/queue:Queue") state.url = `https://sqs.${region}.amazonaws.com/${accountId}/${physical}`;
  if (type === "aws:sns/topic:Topic") state.arn = `arn:aws:sns:${region}:${accountId}:${physical}`;
  if (type === "random:index/randomBytes:RandomBytes") state.base64 = Buffer.alloc(inputs.length ?? 32).toString("base64");
  if (type === "random:index/randomPassword:RandomPassword") state.result = "mock-password";
  if (type === "aws:apigatewayv2/api:Api") state.apiEndpoint = `https://${name.toLowerCase()}.execute-api.${region}.amazonaws.com`;
  if (type === "aws:cloudfront/distribution:Distribution") state.domainName = `${name.toLowerCase()}.cloudfront.net`;
  if (type === "aws:rds/cluster:Cluster") {
    state.endpoint = `${name.toLowerCase()}.cluster.mock`;
    state.readerEndpoint = `${name.toLowerCase()}.cluster-ro.mock`;
    state.port = inputs.port ?? 5432;
  }
  if (type === "aws:rds/instance:Instance") {
    state.address = `${name.toLowerCase()}.instance.mock`;
    state.endpoint = `${state.address}:${inputs.port ?? 5432}`;
    state.port = inputs.port ?? 5432;
  }
  if (type === "aws:rds/proxy:Proxy") state.endpoint = `${name.toLowerCase()}.proxy.mock`;
  if (type === "aws:ec2/vpc:Vpc") state.cidrBlock = inputs.cidrBlock;
  if (type === "aws:cognito/user:User") state.sub = `${name}-sub`;
  if (type === "aws:cognito/userPool:UserPool") state.endpoint = `cognito-idp.${region}.amazonaws.com/${physical}`;
  return state;
}

function invoke(token: string, args: any): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId, arn: `arn:aws:iam::${accountId}:user/mock`, userId: "mock", id: accountId };
    case "aws:index/getRegion:getRegion":
      return { name: region, id: region, description: "US East (N. Virginia)", endpoint: `ec2.${region}.amazonaws.com` };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: [`${region}a`, `${region}b`], zoneIds: ["use1-az1", "use1-az2"], id: region };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return policyDocument(args);
    default:
      return {};
  }
}

/** An error thrown inside an apply surfaces as an unhandled rejection: the deploy would stop there too. */
const asyncFailures: unknown[] = [];
process.on("unhandledRejection", (error) => asyncFailures.push(error));

async function main() {
  const server = await startRpcServer();
  const resources: Registration[] = [];
  try {
    // One copy of @pulumi/pulumi: the one SST's components import (mocks set on another copy are ignored).
    const pulumi = await import(pathToFileURL(path.join(platform, "node_modules/@pulumi/pulumi/index.js")).href);
    await pulumi.runtime.setMocks(
      {
        newResource(args: any) {
          resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
          return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
        },
        call(args: any) {
          return invoke(args.token, args.inputs);
        },
      },
      "ewallet",
      stage,
      false,
    );

    // The globals the SST CLI defines before it runs the program.
    const shim = await import(pathToFileURL(path.join(platform, "src/shim/run.js")).href);
    for (const [key, value] of Object.entries(shim)) (globalThis as any)[key] = value;
    const config = (await import(pathToFileURL(path.join(root, "sst.config.ts")).href)).default;
    const appConfig = config.app({ stage });
    Object.assign(globalThis, {
      $app: { ...appConfig, stage, providers: appConfig.providers ?? {} },
      $dev: dev,
      $cli: {
        command: dev ? "dev" : "deploy",
        dev,
        paths: { home: path.join(work, "home"), root, work, platform },
        state: { version: {} },
      },
    });
    // Components read $app at import time, so these come after it.
    (globalThis as any).aws = await import(pathToFileURL(path.join(platform, "node_modules/@pulumi/aws/index.js")).href);
    (globalThis as any).sst = await import(pathToFileURL(path.join(platform, "src/components/index.ts")).href);
    const { run } = await import(pathToFileURL(path.join(platform, "src/auto/run.ts")).href);

    let outputs: unknown;
    let failure: unknown;
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        const result = await run(() => config.run());
        outputs = await new Promise((resolve) => pulumi.output(result).apply(resolve));
      } catch (error) {
        failure = error;
      }
      return {};
    });
    const runtimeSettings = await import(pathToFileURL(path.join(platform, "node_modules/@pulumi/pulumi/runtime/settings.js")).href);
    await runtimeSettings.waitForRPCs?.();
    if (failure) throw failure;
    if (asyncFailures.length > 0) throw asyncFailures[0];
    // infra's per-stage settings as this evaluation saw them (the module is already loaded).
    const { settings } = await import(pathToFileURL(path.join(root, "infra/config.ts")).href);
    process.stdout.write(JSON.stringify({ ok: true, stage, dev, resources, builds, devTargets, outputs, settings }));
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ ok: false, stage, dev, error: String(error?.message ?? error), stack: String(error?.stack ?? "") }));
  process.exitCode = 0;
});
