/**
 * Sends the requests ElectroDB compiled from the entities (./plans/*.json, see ./plans.ts)
 * with the bare DynamoDB client: the handlers load neither ElectroDB nor the document client
 * (issue 12). Filling a plan is all that happens at run time: each marker becomes its value,
 * then the values are marshalled as the document client would. Items are read back as
 * ElectroDB reads them: only items of the plan's entity and version count.
 */
import { GetItemCommand, QueryCommand, TransactWriteItemsCommand, UpdateItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { Dynamo } from "./dynamo.ts";
import type { CompiledPlan, PlanKind, Slots, SlotValue } from "./plans.ts";
import { ENTITY_ATTRIBUTE, VERSION_ATTRIBUTE } from "./table.ts";

/**
 * How the variants of a plan are named: plans.ts compiles them under these names, and the callers
 * choose among them with the same functions at run time.
 */
export const PlanNames = {
  /** The move that also checks the execution that owns the transfer. */
  owned: <Move extends string>(move: Move) => `${move}.owned` as const,
  /** A page of one list index, with the filters it applies (a filter given a value is applied). */
  page: <Index extends string, Filter extends { status?: unknown; updatedBefore?: unknown }>(index: Index, filter: Filter) =>
    `page.${index}${filter.status ? ".status" : ""}${filter.updatedBefore ? ".updatedBefore" : ""}` as `page.${Index}${Filter["status"] extends {} ? ".status" : ""}${Filter["updatedBefore"] extends {} ? ".updatedBefore" : ""}`,
};

/** A group's plans as read from its JSON file (the kind is checked when a plan is sent). */
export const plansOf = <Name extends string>(group: Record<Name, { kind: string }>) => group as unknown as Record<Name, CompiledPlan>;
type Item = Record<string, unknown>;

const WHOLE = /^⟦(\w+)⟧$/;
const PART = /⟦(\w+)⟧/g;

function slot(plan: CompiledPlan, slots: Slots, name: string): SlotValue {
  const value = slots[name];
  // A programming error, never a client's: every caller passes its plan's slots.
  if (value === undefined) throw new Error(`access plan ${plan.name} needs a value for "${name}"`);
  return value;
}

/** The plan's request with every marker replaced by its value (values themselves are never scanned). */
export function fill(plan: CompiledPlan, slots: Slots): Record<string, unknown> {
  const table = Dynamo.tableName();
  const all = { table, ...slots };
  const walk = (node: unknown): unknown => {
    if (typeof node === "string") {
      const whole = WHOLE.exec(node);
      if (whole) return slot(plan, all, whole[1]!);
      return node.includes("⟦") ? node.replace(PART, (_, part: string) => String(slot(plan, all, part))) : node;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]));
    return node;
  };
  return walk(plan.params) as Record<string, unknown>;
}

// The document client marshals these members of a request (and of each transaction item).
const MARSHALLED = new Set(["Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey"]);
function marshalled(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(marshalled);
  if (!node || typeof node !== "object") return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, MARSHALLED.has(key) ? marshall(value) : marshalled(value)]));
}

/** The item, if it belongs to the plan's entity (ElectroDB ignores any other). */
function own(plan: CompiledPlan, raw: Record<string, AttributeValue> | undefined): Item | undefined {
  if (!raw) return undefined;
  const item = unmarshall(raw);
  const { entity, version } = plan;
  return item[ENTITY_ATTRIBUTE] === entity && item[VERSION_ATTRIBUTE] === version ? item : undefined;
}

/** The request as it goes to DynamoDB: filled and marshalled. */
export const wireRequest = (plan: CompiledPlan, slots: Slots) => marshalled(fill(plan, slots)) as Record<string, unknown>;

const request = <T>(plan: CompiledPlan, kind: PlanKind, slots: Slots) => {
  if (plan.kind !== kind) throw new Error(`access plan ${plan.name} is a ${plan.kind}, not a ${kind}`);
  return wireRequest(plan, slots) as T;
};

/** GetItem: the item, or undefined. */
export async function getItem(plan: CompiledPlan, slots: Slots): Promise<Item | undefined> {
  const output = await Dynamo.client().send(new GetItemCommand(request(plan, "get", slots)));
  return own(plan, output.Item);
}

/** A conditional UpdateItem: the item after it, or (condition failed) the item as it was, if any. */
export async function updateItem(plan: CompiledPlan, slots: Slots): Promise<{ rejected: false; item: Item } | { rejected: true; item?: Item }> {
  try {
    const output = await Dynamo.client().send(new UpdateItemCommand(request(plan, "update", slots)));
    const item = own(plan, output.Attributes);
    if (!item) throw new Error(`access plan ${plan.name} returned no ${plan.entity} item`);
    return { rejected: false, item };
  } catch (error) {
    if ((error as { name?: unknown }).name !== "ConditionalCheckFailedException") throw error;
    return { rejected: true, item: own(plan, (error as { Item?: Record<string, AttributeValue> }).Item) };
  }
}

/** One Query (one page): the plan's items, how many DynamoDB evaluated, and where it stopped. */
export async function queryPage(plan: CompiledPlan, slots: Slots): Promise<{ items: Item[]; scanned: number; lastKey?: Item }> {
  const output = await Dynamo.client().send(new QueryCommand(request(plan, "query", slots)));
  const items = (output.Items ?? []).flatMap((raw): Item[] => {
    const item = own(plan, raw);
    return item ? [item] : [];
  });
  return { items, scanned: output.ScannedCount ?? output.Items?.length ?? 0, ...(output.LastEvaluatedKey ? { lastKey: unmarshall(output.LastEvaluatedKey) } : {}) };
}

/** Why each item of a cancelled transaction failed (DynamoDB's Code), and the item as it was when returned. */
export interface Cancellation {
  code: string;
  item?: Item;
}

/** TransactWriteItems: done, or cancelled with one reason per item, in order. */
export async function transactWrite(plan: CompiledPlan, slots: Slots): Promise<{ canceled: false } | { canceled: true; reasons: Cancellation[] }> {
  try {
    await Dynamo.client().send(new TransactWriteItemsCommand(request(plan, "transactWrite", slots)));
    return { canceled: false };
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string; Item?: Record<string, AttributeValue> }[] }).CancellationReasons;
    if (!Array.isArray(reasons)) throw error;
    return { canceled: true, reasons: reasons.map((reason) => ({ code: reason.Code ?? "None", ...(reason.Item ? { item: unmarshall(reason.Item) } : {}) })) };
  }
}
