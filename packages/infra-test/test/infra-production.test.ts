/**
 * The production stage, evaluated offline as `sst deploy --stage production` would (see src/evaluate.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  alarmViolations, evaluate, expectedSagaDefinition, functions, leastPrivilegeViolations, named, ofType, pipeViolations,
  postgresCluster, reservedConcurrency, vpcReachabilityViolations, type Evaluation,
} from "../src/inspect.ts";
import { costViolations } from "../src/cost.ts";

let ev: Evaluation;
beforeAll(async () => {
  ev = await evaluate("production", { env: { ALARM_EMAIL: "oncall@example.com" } });
}, 300_000);

describe("infra, production", () => {
  it("evaluates as the SST CLI would", () => {
    expect(ev.error).toBeUndefined();
    expect(ev.ok).toBe(true);
  });

  it("refuses to deploy without an alarm address", async () => {
    const unconfigured = await evaluate("production");
    expect(unconfigured.ok).toBe(false);
    expect(unconfigured.error).toMatch(/ALARM_EMAIL/);
  }, 300_000);

  it("keeps every function's network, privileges, pipe and state machine right", () => {
    expect(vpcReachabilityViolations(ev)).toEqual([]);
    expect(leastPrivilegeViolations(ev)).toEqual([]);
    expect(pipeViolations(ev)).toEqual([]);
    expect(JSON.parse(named(ev, "aws:sfn/stateMachine:StateMachine", "Saga").inputs.definition)).toEqual(expectedSagaDefinition(ev));
  });

  it("notifies the configured address of every alarm", () => {
    expect(alarmViolations(ev)).toEqual([]);
    const subscriptions = ofType(ev, "aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs);
    expect(subscriptions).toEqual([expect.objectContaining({ protocol: "email", endpoint: "oncall@example.com" })]);
  });

  it("puts Postgres behind RDS Proxy with a capacity floor (no auto-pause), and no prepared statements", () => {
    const cluster = postgresCluster(ev);
    expect(cluster.proxies).toBe(1);
    expect(cluster.minAcu).toBeGreaterThan(0);
    expect(cluster.secondsUntilAutoPause).toBeUndefined();
    for (const fn of functions(ev).filter((f) => f.links.includes("Postgres"))) {
      expect(fn.lambda.environment.variables.WALLET_PREPARED_STATEMENTS, fn.id).toBe("false");
      expect(String(fn.linkProperties.Postgres!.host), fn.id).toMatch(/proxy/);
    }
    expect(reservedConcurrency(ev)).toBe(0);
  });

  it("protects its data and seeds no demo users", () => {
    expect(named(ev, "aws:rds/cluster:Cluster", "PostgresCluster").inputs.deletionProtection).toBe(true);
    expect(named(ev, "aws:dynamodb/table:Table", "TransfersTable").inputs.deletionProtectionEnabled).toBe(true);
    expect(ofType(ev, "aws:cognito/user:User")).toEqual([]);
    expect(ev.settings.seedDemo).toBe(false);
  });

  it("agrees with docs/COST.md (an idle production stage)", () => {
    expect(costViolations(ev)).toEqual([]);
  });
});
