/**
 * The compiled access plans (src/transfer/plans/*.json) are what ElectroDB builds from the
 * entities: the file is current, and every plan filled with run-time values is exactly the request
 * ElectroDB builds for the same values. Together with the transfer tests (which run every plan
 * against DynamoDB Local), this is what lets the handlers send requests without ElectroDB.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Dynamo, createEntities } from "../src/transfer/entities.ts";
import { STATUSES, HISTORY_OUTCOMES, HISTORY_STEPS, type HistoryEntry } from "../src/transfer/record.ts";
import { PLAN_DEFINITIONS, PLAN_GROUPS, accessPlanFiles, buildPlan, type CompiledPlan, type PlanName, type SlotValue } from "../src/transfer/plans.ts";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { fill, wireRequest } from "../src/transfer/store.ts";

const planFile = (group: string) => readFileSync(join(import.meta.dirname, `../src/transfer/plans/${group}.json`), "utf8");
const committed = Object.assign({}, ...PLAN_GROUPS.map((group) => JSON.parse(planFile(group)))) as Record<PlanName, CompiledPlan>;

// Text that a careless fill would mangle: replacement patterns, markers, separators, non-ASCII.
const TRICKY = ["$&", "$1", "$$", "⟦table⟧", "#", "a#b", "transferId_X", " spaced ", "ümlaut", "😀", "\\", "'\"", ""];
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
const text = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick([...TRICKY, Math.random().toString(36).slice(2)])).join("");

function entry(): HistoryEntry {
  return {
    step: pick(HISTORY_STEPS),
    outcome: pick(HISTORY_OUTCOMES),
    at: new Date(Math.floor(random() * 4e12)).toISOString(),
    ...(random() < 0.5 ? { detail: text() } : {}),
    ...(random() < 0.3 ? { amount: "12.34", replayed: random() < 0.5 } : {}),
  };
}

/** A random value of the right kind for a slot. */
function value(slot: string): SlotValue {
  if (slot === "shard") return Math.floor(random() * 8);
  if (slot === "limit") return 1 + Math.floor(random() * 1000);
  if (slot === "history") return Array.from({ length: Math.floor(random() * 3) }, entry);
  if (slot === "status") return pick(STATUSES);
  return text() || "x";
}

const slotsOf = (name: PlanName) => [...new Set([...JSON.stringify(committed[name]).matchAll(/⟦(\w+)⟧/g)].map((m) => m[1]!))];

describe("compiled access plans", () => {
  it("are current: plans/*.json are what ElectroDB builds from the entities (run `pnpm run access-plans`)", () => {
    const built = accessPlanFiles();
    for (const group of PLAN_GROUPS) expect(planFile(group), `plans/${group}.json`).toBe(built[group]);
  });

  it("cover every plan definition, each with its run-time values as markers", () => {
    expect(Object.keys(committed).sort()).toEqual(Object.keys(PLAN_DEFINITIONS).sort());
    expect(slotsOf("move.succeed.owned").sort()).toEqual(["executionId", "history", "table", "transferId", "updatedAt"]);
    expect(slotsOf("page.recent.status.updatedBefore").sort()).toEqual(["bucket", "limit", "position", "shard", "status", "table", "updatedBefore"]);
  });

  it("filled with any values, equal the request ElectroDB builds for those values", () => {
    const service = createEntities({ client: Dynamo.client(), table: Dynamo.tableName() });
    let compared = 0;
    for (const name of Object.keys(PLAN_DEFINITIONS) as PlanName[]) {
      for (let round = 0; round < 25; round++) {
        const slots = Object.fromEntries(slotsOf(name).filter((slot) => slot !== "table").map((slot) => [slot, value(slot)]));
        // As data: ElectroDB tags transaction items with a symbol, which is not part of the request.
        const electro = JSON.parse(JSON.stringify(buildPlan(service, name, slots)));
        expect(fill(committed[name], slots), `${name} with ${JSON.stringify(slots)}`).toStrictEqual(electro);
        compared += 1;
      }
    }
    expect(compared).toBe(Object.keys(PLAN_DEFINITIONS).length * 25);
  });

  it("go to DynamoDB exactly as the document client (ElectroDB's way of sending) marshals ElectroDB's request", async () => {
    // The document client's own marshalling, stopped before anything leaves the process.
    const client = new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const captured = Symbol("captured");
    client.middlewareStack.add(
      () => async (args) => {
        throw Object.assign(new Error("captured"), { [captured]: args.input });
      },
      { step: "build" },
    );
    const doc = DynamoDBDocumentClient.from(client);
    const COMMANDS = { get: GetCommand, update: UpdateCommand, query: QueryCommand, transactWrite: TransactWriteCommand } as const;
    const wire = async (kind: keyof typeof COMMANDS, params: object) => {
      try {
        await doc.send(new COMMANDS[kind](params as never) as never);
      } catch (error) {
        if (captured in (error as object)) return (error as Record<symbol, unknown>)[captured];
        throw error;
      }
      throw new Error("not captured");
    };
    const service = createEntities({ client: Dynamo.client(), table: Dynamo.tableName() });
    for (const name of Object.keys(PLAN_DEFINITIONS) as PlanName[]) {
      for (let round = 0; round < 10; round++) {
        const slots = Object.fromEntries(slotsOf(name).filter((slot) => slot !== "table").map((slot) => [slot, value(slot)]));
        const expected = await wire(committed[name].kind, JSON.parse(JSON.stringify(buildPlan(service, name, slots))));
        expect(JSON.parse(JSON.stringify(wireRequest(committed[name], slots))), name).toStrictEqual(JSON.parse(JSON.stringify(expected)));
      }
    }
  });

  it("refuse to be sent without a value for every marker", () => {
    expect(() => fill(committed["read.transfer"], {})).toThrow(/read\.transfer needs a value for "transferId"/);
  });
});
