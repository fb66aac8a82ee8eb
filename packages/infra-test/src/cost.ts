/**
 * Keeps docs/COST.md true: recomputes the figures that come from infra (what an evaluation
 * declared) and from core's state machine, and redoes the document's arithmetic with the prices
 * the document itself cites. Returns the disagreements.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { named, ofType, postgresCluster, ROOT, type Evaluation } from "./inspect.ts";

export const COST_DOC = path.join(ROOT, "docs/COST.md");
const HOURS_PER_MONTH = 730;

/** Every markdown table row of the document, keyed by its first cell (`**total**` → `total`). */
export function costTables(markdown = readFileSync(COST_DOC, "utf8")): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  let section = "";
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) section = line.slice(3).trim();
    if (!line.startsWith("|") || /^\|[-\s|]+\|$/.test(line)) continue;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim().replace(/\*\*/g, ""));
    rows.set(`${section} :: ${cells[0]}`, cells.slice(1));
  }
  return rows;
}

/** A state machine's path from StartAt to its success state, following `Next` (no Catch taken). */
type StateOnPath = { Type: string; Next?: string; End?: boolean; Choices?: { Next: string }[]; Default?: string };

export function successPath(definition: { StartAt: string; States: Record<string, StateOnPath> }) {
  const path: Array<{ name: string; type: string }> = [];
  const isFail = (next: string | undefined) => next !== undefined && definition.States[next]?.Type === "Fail";
  let name: string | undefined = definition.StartAt;
  while (name) {
    const state: StateOnPath | undefined = definition.States[name];
    if (!state) throw new Error(`state ${name} is missing`);
    if (path.some((p) => p.name === name)) throw new Error(`the success path loops at ${name}`);
    path.push({ name, type: state.Type });
    if (state.Type === "Fail") throw new Error(`the path from StartAt reaches Fail state ${name}`);
    if (state.Type === "Choice") {
      // A well-formed input takes the branch that does not end in a Fail state (e.g. the batch of one).
      name = [...(state.Choices ?? []).map((choice) => choice.Next), state.Default].find((next) => next !== undefined && !isFail(next));
      continue;
    }
    name = state.End || state.Type === "Succeed" ? undefined : state.Next;
  }
  return path;
}

const money = (n: number) => Math.round(n * 100) / 100;

export function costViolations(ev: Evaluation, markdown?: string): string[] {
  const rows = costTables(markdown);
  const violations: string[] = [];
  const cell = (section: string, key: string, column = 0): string => {
    const row = rows.get(`${section} :: ${key}`);
    if (!row) {
      violations.push(`docs/COST.md: no row "${key}" in "${section}"`);
      return "NaN";
    }
    return row[column] ?? "NaN";
  };
  const num = (section: string, key: string, column = 0) => Number(cell(section, key, column).replace(/[$,]/g, ""));
  const expectEqual = (what: string, documented: number | string, actual: number | string) => {
    const same = typeof actual === "number" ? Math.abs(Number(documented) - actual) < 0.005 : documented === actual;
    if (!same) violations.push(`docs/COST.md says ${what} = ${documented}, infra gives ${actual}`);
  };

  const PRICES = "Prices";
  const price = (key: string) => num(PRICES, key);
  const FIGURES = "Figures taken from infra and core";
  const production = ev.stage === "production";

  // Derived from core's state machine as deployed (the definition infra hands to Step Functions).
  const definition = JSON.parse(named(ev, "aws:sfn/stateMachine:StateMachine", "Saga").inputs.definition);
  const path = successPath(definition);
  const transitions = path.length;
  const invocations = 1 + path.filter((s) => s.type === "Task").length;
  expectEqual("state transitions per successful transfer", cell(FIGURES, "state transitions per successful transfer"), String(transitions));
  expectEqual("Lambda invocations per successful transfer", cell(FIGURES, "Lambda invocations per successful transfer"), String(invocations));

  const memories = [...new Set(ofType(ev, "aws:lambda/function:Function").map((fn) => fn.inputs.memorySize as number))];
  expectEqual("Lambda memory (MB)", cell(FIGURES, "Lambda memory (MB)"), memories.length === 1 ? String(memories[0]) : memories.join("/"));
  const minutes = Number(/^rate\((\d+) minutes?\)$/.exec(ev.settings.stuckSweepSchedule)?.[1]);
  const sweepInvocations = (HOURS_PER_MONTH * 60) / minutes;
  expectEqual("stuck sweep invocations per month", num(FIGURES, "stuck sweep invocations per month"), sweepInvocations);

  const cluster = postgresCluster(ev);
  if (production) {
    expectEqual("production Aurora minimum ACU", num(FIGURES, "production Aurora minimum ACU"), cluster.minAcu);
    expectEqual("RDS Proxy in production", cell(FIGURES, "RDS Proxy in production"), cluster.proxies === 1 ? "yes" : "no");
  } else {
    expectEqual("non-production Aurora minimum ACU", num(FIGURES, "non-production Aurora minimum ACU"), cluster.minAcu);
    expectEqual("non-production Aurora maximum ACU", num(FIGURES, "non-production Aurora maximum ACU"), cluster.maxAcu);
    expectEqual("non-production auto-pause (minutes)", num(FIGURES, "non-production auto-pause after (minutes)"), (cluster.secondsUntilAutoPause ?? NaN) / 60);
    expectEqual("RDS Proxy in non-production", cell(FIGURES, "RDS Proxy in non-production"), cluster.proxies === 0 ? "no" : "yes");
  }

  // The idle table: one row per thing billed while idle, counted from what infra declares.
  const IDLE = production ? "An idle production stage" : "An idle non-production stage";
  const durationMs = num(FIGURES, "assumed billed duration per invocation (ms)");
  const memoryGb = (memories[0] ?? NaN) / 1024;
  const lambdaCost = (count: number) => count * (price("Lambda, per 1M requests") / 1e6) + count * (durationMs / 1000) * memoryGb * price("Lambda arm64, per GB-second");
  const computeKey = production ? "Aurora compute at the 0.5 ACU floor (730 h)" : "Aurora compute at 0 ACU (paused)";
  const secretKey = production ? "Secrets Manager secret (the cluster's password, also the proxy's)" : "Secrets Manager secret (the cluster's password)";
  const idle: Array<[string, number, number]> = [
    [computeKey, 1, (cluster.secondsUntilAutoPause ? 0 : cluster.minAcu) * HOURS_PER_MONTH * price("Aurora Serverless v2 (Aurora Standard), per ACU-hour")],
    ["Aurora storage (≤ 1 GB)", 1, price("Aurora storage, per GB-month")],
    [secretKey, ofType(ev, "aws:secretsmanager/secret:Secret").length, ofType(ev, "aws:secretsmanager/secret:Secret").length * price("Secrets Manager, per secret-month")],
    ["Route 53 private hosted zone (the VPC's Cloud Map namespace)", ofType(ev, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").length, ofType(ev, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").length * price("Route 53 private hosted zone, per month")],
    ["CloudWatch alarm (pipe dead letters)", ofType(ev, "aws:cloudwatch/metricAlarm:MetricAlarm").length, ofType(ev, "aws:cloudwatch/metricAlarm:MetricAlarm").length * price("CloudWatch standard alarm, per month")],
    ["stuck sweep Lambda (requests + 100 ms at 512 MB each)", sweepInvocations, lambdaCost(sweepInvocations)],
  ];
  let idleTotal = 0;
  for (const [key, count, cost] of idle) {
    expectEqual(`${IDLE}: ${key} count`, num(IDLE, key, 0), count);
    expectEqual(`${IDLE}: ${key} per month`, num(IDLE, key, 1), money(cost));
    idleTotal += money(cost);
  }
  expectEqual(`${IDLE}: total`, num(IDLE, "total", 1), money(idleTotal));
  if (!production && money(idleTotal) > 2) violations.push(`an idle non-production stage costs $${money(idleTotal)} a month (goal ≤ $2)`);
  // Anything billed by the hour that the idle table does not list would make it wrong.
  for (const type of ["aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/instance:Instance", "aws:rds/instance:Instance"]) {
    if (ofType(ev, type).length > 0) violations.push(`${type} is declared but docs/COST.md does not price it`);
  }
  const interfaceEndpoints = ofType(ev, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType !== "Gateway");
  if (interfaceEndpoints.length > 0) violations.push(`interface VPC endpoints (${interfaceEndpoints.map((e) => e.name)}) are billed hourly but not in docs/COST.md`);
  if (production !== (cluster.proxies > 0)) violations.push("docs/COST.md assumes RDS Proxy in production only");

  // Per 1M transfers, from the figures above and the cited prices.
  if (!production) {
    const PER = "Per 1M successful transfers";
    const million = 1e6;
    const wru = num(FIGURES, "DynamoDB write request units per transfer");
    const pipeRequests = num(FIGURES, "pipe requests per transfer");
    const gbSeconds = invocations * million * (durationMs / 1000) * memoryGb;
    const per: Array<[string, number, number]> = [
      ["Step Functions Standard state transitions", transitions * million, (transitions * million / 1000) * price("Step Functions Standard, per 1,000 state transitions")],
      ["Lambda requests", invocations * million, invocations * price("Lambda, per 1M requests")],
      ["Lambda duration (GB-seconds)", gbSeconds, gbSeconds * price("Lambda arm64, per GB-second")],
      ["DynamoDB write request units", wru * million, wru * price("DynamoDB on-demand, per 1M write request units")],
      ["EventBridge Pipes requests", pipeRequests * million, pipeRequests * price("EventBridge Pipes, per 1M requests (after filtering)")],
      ["API Gateway HTTP API requests", million, price("API Gateway HTTP API, per 1M requests")],
    ];
    let total = 0;
    for (const [key, quantity, cost] of per) {
      expectEqual(`${PER}: ${key} quantity`, num(PER, key, 0), quantity);
      expectEqual(`${PER}: ${key} USD`, num(PER, key, 1), money(cost));
      total += money(cost);
    }
    expectEqual(`${PER}: total`, num(PER, "total", 1), money(total));
  }
  return violations;
}
