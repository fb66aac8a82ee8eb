/**
 * Every DynamoDB request core makes of the transfer table, built by ElectroDB from the entities
 * (./entities.ts): the one definition of keys, indexes, conditions and updates. This module runs
 * at build time and in tests, never in a handler: `pnpm run access-plans` builds each request
 * with a marker in place of every value known only at run time, and writes the result to
 * ./plans/<group>.json; ./store.ts fills the markers in and sends the request with the bare
 * DynamoDB client, so no handler loads ElectroDB (issue 12). access-plans.test.ts checks the
 * file is current, and that a filled plan equals what ElectroDB builds for the same values.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IN_FLIGHT_STATUSES, type HistoryEntry, type TransferStatus } from "./record.ts";
import { createEntities, type TransferService } from "./entities.ts";
import { PlanNames } from "./store.ts";
import { ENTITY_VERSION, IDEMPOTENCY_ENTITY, TRANSFER_ENTITY } from "./table.ts";

/** A value known at run time: text, a number (a shard, a page size) or the history to append. */
export type SlotValue = string | number | readonly HistoryEntry[];
export type Slots = Readonly<Record<string, SlotValue>>;

/** A marker in a compiled plan: the whole value, or a part of a text (a key). */
export const slotMarker = (name: string) => `⟦${name}⟧`;

type Transfer = TransferService["entities"]["transfer"];
type Condition = Parameters<ReturnType<ReturnType<Transfer["patch"]>["set"]>["where"]>[0];
type Filter = Parameters<ReturnType<Transfer["query"]["bySender"]>["where"]>[0];
/** A plan's run-time values as its builder sees them: markers at build time, real values in tests. */
type Values = Record<string, any>;
type Build = (service: TransferService, v: Values) => object;

/** How a plan is sent, and which items it reads (ElectroDB ignores items of other entities). */
export type PlanKind = "get" | "update" | "query" | "transactWrite";
export interface PlanDefinition {
  kind: PlanKind;
  entity: string;
  build: Build;
}

const define = (kind: PlanKind, entity: string, build: Build): PlanDefinition => ({ kind, entity, build });

/**
 * ONE conditional UpdateItem of a transfer that also appends `history` (an empty list appends
 * nothing, but is still sent). It returns the item as it is after the move, or as it was when the condition failed.
 */
const transition = (set: (v: Values) => Record<string, unknown>, when: (v: Values) => Condition) =>
  define("update", TRANSFER_ENTITY, (service, v) =>
    service.entities.transfer
      .patch({ transferId: v.transferId })
      .set({ ...set(v), updatedAt: v.updatedAt })
      .append({ history: v.history })
      .where(when(v))
      .params({ response: "all_new", returnOnConditionCheckFailure: "all_old" } as never),
  );

/** The owner check of the moves a saga execution makes; the sweep, acting for an operator, has none. */
const ownedBy = (owned: boolean) => (v: Values, executionId: unknown, eq: (a: never, value: string) => string) =>
  owned ? ` AND ${eq(executionId as never, v.executionId)}` : "";

function owned<T>(variants: (owner: ReturnType<typeof ownedBy>) => T) {
  return { any: variants(ownedBy(false)), owned: variants(ownedBy(true)) };
}

const beginCompensation = owned((owner) =>
  transition(
    (v) => ({ compensating: true, failureReason: v.reason, failureMessage: v.message }),
    (v) =>
      ({ status, compensating, executionId }, { eq }) =>
        `${eq(status, "PROCESSING")} AND ${eq(compensating, false)}${owner(v, executionId, eq as never)}`,
  ),
);
const succeed = owned((owner) =>
  transition(
    () => ({ status: "SUCCEEDED" }),
    (v) =>
      ({ status, compensating, executionId }, { eq }) =>
        `${eq(status, "PROCESSING")} AND ${eq(compensating, false)}${owner(v, executionId, eq as never)}`,
  ),
);
const fail = owned((owner) =>
  transition(
    (v) => ({ status: "FAILED", failureReason: v.reason, failureMessage: v.message }),
    // A PENDING transfer was never started, so any execution may fail it (its owner-to-be then stops as a duplicate).
    (v) =>
      ({ status, executionId }, { eq }) =>
        `(${eq(status, "PENDING")} OR (${eq(status, "PROCESSING")}${owner(v, executionId, eq as never)}))`,
  ),
);
const requireAttention = owned((owner) =>
  transition(
    (v) => ({ status: "REQUIRES_ATTENTION", failureReason: v.reason, failureMessage: v.message }),
    (v) =>
      ({ status, executionId }, { eq }) =>
        `${eq(status, "PROCESSING")}${owner(v, executionId, eq as never)}`,
  ),
);

/** A page of one partition of an index sorted by transferId, newest first, below a position. */
const INDEX_KEYS = {
  bySender: (v: Values) => ({ senderUserId: v.userId }),
  byReceiver: (v: Values) => ({ receiverUserId: v.userId }),
  recent: (v: Values) => ({ bucket: v.bucket, shard: v.shard }),
} as const;
export type ListIndex = keyof typeof INDEX_KEYS;
/** The filters a page can have: by status, and (the stuck sweep) last updated before a time. */
interface PageFilter {
  status?: true;
  updatedBefore?: true;
}

const page = (index: ListIndex, filter: PageFilter) =>
  define("query", TRANSFER_ENTITY, (service, v) =>
    (service.entities.transfer.query[index] as (key: object) => ReturnType<Transfer["query"]["bySender"]>)(INDEX_KEYS[index](v))
      .lt({ transferId: v.position })
      .where(((attr, op) =>
        [filter.status ? op.eq(attr.status, v.status) : "", filter.updatedBefore ? op.lt(attr.updatedAt, v.updatedBefore) : ""]
          .filter(Boolean)
          .join(" AND ")) as Filter)
      // DynamoDB's Limit: items evaluated, before the filter.
      .params({ order: "desc", limit: v.limit } as never),
  );
/** A page's plan under the name list.ts asks for it by. */
const named = <I extends ListIndex, F extends PageFilter>(index: I, filter: F) => ({ [PlanNames.page(index, filter)]: page(index, filter) }) as Record<ReturnType<typeof PlanNames.page<I, F>>, PlanDefinition>;

/** The pages list.ts reads: a user's or everyone's transfers, by status or not; the stuck scan. */
const pages = {
  ...named("bySender", {}),
  ...named("bySender", { status: true }),
  ...named("byReceiver", {}),
  ...named("byReceiver", { status: true }),
  ...named("recent", {}),
  ...named("recent", { status: true }),
  ...named("recent", { status: true, updatedBefore: true }),
};

export const PLAN_DEFINITIONS = {
  "read.transfer": define("get", TRANSFER_ENTITY, (service, v) => service.entities.transfer.get({ transferId: v.transferId }).params({ consistent: true })),
  "read.idempotency": define("get", IDEMPOTENCY_ENTITY, (service, v) => service.entities.idempotency.get({ key: v.key }).params({ consistent: true })),
  /**
   * The idempotency item and the PENDING transfer, in ONE TransactWriteItems of two conditional
   * puts. all_old: a cancelled transaction hands back the existing idempotency item, saving a read.
   */
  "create.transfer": define("transactWrite", TRANSFER_ENTITY, (service, v) =>
    service.transaction
      .write(({ idempotency, transfer }) => [
        idempotency
          .create({ key: v.key, scope: v.scope, idempotencyKey: v.idempotencyKey, fingerprint: v.fingerprint, transferId: v.transferId, createdAt: v.createdAt })
          .commit({ response: "all_old" } as never),
        transfer
          .create({
            transferId: v.transferId,
            senderUserId: v.senderUserId,
            receiverUserId: v.receiverUserId,
            amount: v.amount,
            currency: v.currency,
            // A new transfer is always PENDING and not compensating: fixed by the plan.
            status: "PENDING",
            compensating: false,
            history: v.history,
            bucket: v.bucket,
            shard: v.shard,
            createdAt: v.createdAt,
            updatedAt: v.createdAt,
          })
          .commit(),
      ])
      .params(),
  ),
  /** PENDING → PROCESSING, owned by `executionId`. */
  "move.start": transition(
    (v) => ({ status: "PROCESSING", executionId: v.executionId }),
    () =>
      ({ status }, { eq }) =>
        eq(status, "PENDING"),
  ),
  "move.beginCompensation": beginCompensation.any,
  [PlanNames.owned("move.beginCompensation")]: beginCompensation.owned,
  "move.succeed": succeed.any,
  [PlanNames.owned("move.succeed")]: succeed.owned,
  "move.fail": fail.any,
  [PlanNames.owned("move.fail")]: fail.owned,
  "move.requireAttention": requireAttention.any,
  [PlanNames.owned("move.requireAttention")]: requireAttention.owned,
  /** Appends to the history of a transfer still in flight, without moving it. */
  "move.note": transition(
    () => ({}),
    () =>
      ({ status }, { eq }) =>
        `(${IN_FLIGHT_STATUSES.map((value: TransferStatus) => eq(status, value)).join(" OR ")})`,
  ),
  ...pages,
} satisfies Record<string, PlanDefinition>;

export type PlanName = keyof typeof PLAN_DEFINITIONS;
/**
 * Plans are written to one file per group (the name's first part), so that a handler bundles only
 * the requests it makes: the status steps the moves, the API the reads, pages and create.
 */
export const PLAN_GROUPS = ["read", "create", "move", "page"] as const;
export type PlanGroup = (typeof PLAN_GROUPS)[number];

/** A compiled plan: the request with markers, how to send it, and whose items it reads. */
export interface CompiledPlan {
  name: string;
  kind: PlanKind;
  entity: string;
  version: string;
  params: Record<string, unknown>;
}

// Values ElectroDB validates by type stand in for their slot while a plan is built, then become markers.
const SHARD_SAMPLE = 987_654_321;
const LIMIT_SAMPLE = 123_456_789;
const HISTORY_SAMPLE: readonly HistoryEntry[] = [{ step: "sweep", outcome: "redriven", at: "1999-01-01T00:00:00.000Z", detail: "sample" }];
const SAMPLES: Record<string, unknown> = { shard: SHARD_SAMPLE, limit: LIMIT_SAMPLE, history: HISTORY_SAMPLE };

/** The values a plan is built with: each slot's marker, or its typed sample. */
const markers = new Proxy({} as Record<string, unknown>, { get: (_, name: string) => (name in SAMPLES ? SAMPLES[name] : slotMarker(name)) });

/** Replaces the typed samples in a built request by their markers. */
function abstract(node: unknown): unknown {
  if (node === SHARD_SAMPLE) return slotMarker("shard");
  if (node === LIMIT_SAMPLE) return slotMarker("limit");
  if (typeof node === "string") {
    if (node.includes(String(LIMIT_SAMPLE))) throw new Error("a page size inside a text cannot be compiled");
    return node.replaceAll(String(SHARD_SAMPLE), slotMarker("shard"));
  }
  if (Array.isArray(node)) return JSON.stringify(node) === JSON.stringify(HISTORY_SAMPLE) ? slotMarker("history") : node.map(abstract);
  if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, abstract(value)]));
  return node;
}

/** Every plan, built by ElectroDB on `service`, with markers for its run-time values. */
export function compilePlans(service: TransferService): Record<PlanName, CompiledPlan> {
  return Object.fromEntries(
    Object.entries(PLAN_DEFINITIONS).map(([name, plan]: [string, PlanDefinition]) => [
      name,
      { name, kind: plan.kind, entity: plan.entity, version: ENTITY_VERSION, params: abstract(plan.build(service, markers)) as Record<string, unknown> },
    ]),
  ) as Record<PlanName, CompiledPlan>;
}

/** What ElectroDB builds for a plan with these run-time values (the tests' reference). */
export function buildPlan(service: TransferService, name: PlanName, slots: Slots): object {
  return (PLAN_DEFINITIONS[name] as PlanDefinition).build(service, slots);
}

/** The text of each ./plans/<group>.json, compiled on entities whose table is a marker. */
export function accessPlanFiles(): Record<PlanGroup, string> {
  const service = createEntities({ client: new DynamoDBClient({ region: "us-east-1" }), table: slotMarker("table") });
  const plans = Object.values(compilePlans(service));
  return Object.fromEntries(
    PLAN_GROUPS.map((group) => {
      const members = plans.filter((plan) => plan.name.split(".")[0] === group).map((plan) => [plan.name, plan]);
      return [group, `${JSON.stringify(Object.fromEntries(members), null, 2)}\n`];
    }),
  ) as Record<PlanGroup, string>;
}
