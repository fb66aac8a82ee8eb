/**
 * ElectroDB entities on the one table (./table.ts), joined in one Service so that
 * the idempotency record and the transfer are written in one transaction.
 *
 * This is the one definition of the items, their keys and indexes. Handlers do not load
 * ElectroDB: `pnpm run access-plans` compiles every request core makes from these entities
 * (./plans.ts → ./plans/*.json), and ./store.ts sends them with the bare client.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Entity, Service, type EntityItem } from "electrodb";
import { Dynamo as Store } from "./dynamo.ts";
import { HISTORY_OUTCOMES, HISTORY_STEPS, STATUSES } from "./record.ts";
import { ENTITY_VERSION, IDEMPOTENCY_ENTITY, SERVICE_NAME, TRANSFER_ENTITY } from "./table.ts";
export { DAY_MS, RECENT_SHARDS, recentBucket, recentShard } from "./recent.ts";

// Keys keep the caller's casing: ElectroDB lowercases by default, which would merge
// the user ids "Alice" and "alice" and the idempotency keys "K" and "k".
const exact = { casing: "none" } as const;

export function createEntities(config: { client: DynamoDBClient; table: string }) {
  const transfer = new Entity(
    {
      model: { entity: TRANSFER_ENTITY, version: ENTITY_VERSION, service: SERVICE_NAME },
      attributes: {
        transferId: { type: "string", required: true, readOnly: true },
        senderUserId: { type: "string", required: true, readOnly: true },
        receiverUserId: { type: "string", required: true, readOnly: true },
        amount: { type: "string", required: true, readOnly: true },
        currency: { type: "string", required: true, readOnly: true },
        status: { type: STATUSES, required: true },
        failureReason: { type: "string" },
        failureMessage: { type: "string" },
        /** The saga execution that moved the transfer to PROCESSING, and only it may go on. */
        executionId: { type: "string" },
        /** Fence: once true, `succeed` can never win (a compensation is under way). */
        compensating: { type: "boolean", required: true, default: false },
        history: {
          type: "list",
          required: true,
          items: {
            type: "map",
            properties: {
              step: { type: HISTORY_STEPS, required: true },
              outcome: { type: HISTORY_OUTCOMES, required: true },
              at: { type: "string", required: true },
              amount: { type: "string" },
              replayed: { type: "boolean" },
              errorCode: { type: "string" },
              errorMessage: { type: "string" },
              detail: { type: "string" },
            },
          },
        },
        /** Key parts of the recent index (see recentBucket/recentShard); not part of the domain. */
        bucket: { type: "string", required: true, readOnly: true },
        shard: { type: "number", required: true, readOnly: true },
        /** ISO-8601 UTC strings: they sort as text, and read well in the console and the stream. */
        createdAt: { type: "string", required: true, readOnly: true },
        updatedAt: { type: "string", required: true },
      },
      indexes: {
        byId: {
          pk: { field: "pk", composite: ["transferId"], ...exact },
          sk: { field: "sk", composite: [], ...exact },
        },
        // Sort keys are the ULID: its text order is creation-time order, so "newest first"
        // is a descending query and a cursor is just the last transferId seen.
        bySender: {
          index: "gsi1",
          pk: { field: "gsi1pk", composite: ["senderUserId"], ...exact },
          sk: { field: "gsi1sk", composite: ["transferId"], ...exact },
        },
        byReceiver: {
          index: "gsi2",
          pk: { field: "gsi2pk", composite: ["receiverUserId"], ...exact },
          sk: { field: "gsi2sk", composite: ["transferId"], ...exact },
        },
        recent: {
          index: "gsi3",
          pk: { field: "gsi3pk", composite: ["bucket", "shard"], ...exact },
          sk: { field: "gsi3sk", composite: ["transferId"], ...exact },
        },
      },
    },
    config,
  );

  const idempotency = new Entity(
    {
      model: { entity: IDEMPOTENCY_ENTITY, version: ENTITY_VERSION, service: SERVICE_NAME },
      attributes: {
        /** `${scope}#${idempotencyKey}`: a client's key only means something for that client. */
        key: { type: "string", required: true, readOnly: true },
        scope: { type: "string", required: true, readOnly: true },
        idempotencyKey: { type: "string", required: true, readOnly: true },
        /** sha256 of the canonical parsed request: tells a replay from a reused key. */
        fingerprint: { type: "string", required: true, readOnly: true },
        transferId: { type: "string", required: true, readOnly: true },
        createdAt: { type: "string", required: true, readOnly: true },
      },
      indexes: {
        byKey: {
          pk: { field: "pk", composite: ["key"], ...exact },
          sk: { field: "sk", composite: [], ...exact },
        },
      },
    },
    config,
  );

  return new Service({ transfer, idempotency }, config);
}

export type TransferService = ReturnType<typeof createEntities>;
export type TransferItem = EntityItem<TransferService["entities"]["transfer"]>;
export type IdempotencyItem = EntityItem<TransferService["entities"]["idempotency"]>;

const service = Store.memo(() => createEntities({ client: Store.client(), table: Store.tableName() }));

/** The shared client and table, and the ElectroDB service on them (build time, tests and scripts). */
export const Dynamo = { ...Store, service };
