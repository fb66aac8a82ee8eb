/**
 * `sst dev`, evaluated offline: live stubs must reach SST's bridge (sst issue #5218: keep them out
 * of a VPC without NAT) and the handlers use the local Postgres that `pnpm start` uses (DATABASE_URL).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, ofType, type Evaluation } from "../src/inspect.ts";

let ev: Evaluation;
beforeAll(async () => {
  ev = await evaluate("alice", { dev: true, env: { DATABASE_URL: "postgres://postgres:secret@127.0.0.1:54321/postgres" } });
}, 300_000);

describe("infra under sst dev", () => {
  it("evaluates as the SST CLI would", () => {
    expect(ev.error).toBeUndefined();
    expect(ev.ok).toBe(true);
    expect(ev.devTargets.length).toBeGreaterThanOrEqual(11);
  });

  it("keeps every live function out of the VPC", () => {
    const inVpc = ofType(ev, "aws:lambda/function:Function").filter((fn) => (fn.inputs.vpcConfig?.subnetIds ?? []).length > 0);
    expect(inVpc.map((fn) => fn.name)).toEqual([]);
  });

  it("links every Postgres user to the local Postgres from DATABASE_URL, and creates no cluster", () => {
    const postgresUsers = ev.devTargets.filter((t) => t.links.Postgres);
    expect(postgresUsers.map((t) => t.functionID).sort()).toEqual(["ApiHandler", "Migrator", "SeedDemo", "StepCredit", "StepDebit", "StepRefund", "StepReverseCredit"]);
    for (const target of postgresUsers) {
      expect(target.links.Postgres, target.functionID).toMatchObject({ host: "127.0.0.1", port: 54321, username: "postgres", password: "secret", database: "postgres" });
    }
    expect(ofType(ev, "aws:rds/cluster:Cluster")).toEqual([]);
    // `pnpm start` already migrated and seeded it; an invocation would wait for a session not yet started.
    expect(ofType(ev, "aws:lambda/invocation:Invocation")).toEqual([]);
  });
});
