/**
 * ElectroDB entities on the one table (./table.ts), joined in one Service so that
 * the idempotency record and the transfer are written in one transaction.
 *
 * The client and the table name are resolved on first use, not at import: SST's
 * `Resource` and the AWS SDK read the environment, and offline the stack (or a test)
 * sets it before the first call. The SDK honours AWS_ENDPOINT_URL_DYNAMODB, which is
 * how DynamoDB Local is reached: no separate code path.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Entity, Service, type EntityItem } from "electrodb";
import { Resource } from "sst";
import { HISTORY_OUTCOMES, HISTORY_STEPS, STATUSES } from "./record.ts";
import { IDEMPOTENCY_ENTITY, SERVICE_NAME, TRANSFER_ENTITY } from "./table.ts";

/**
 * The dashboard's "recent" index (gsi3) is keyed by a UTC day and a shard, so that
 * writes spread over RECENT_SHARDS partitions instead of one hot partition, and each
 * partition only ever holds one day. Changing RECENT_SHARDS later would hide the
 * items of existing days from readers: it is part of the data format.
 */
export const RECENT_SHARDS = 8;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** UTC day of an epoch-ms time, e.g. "2025-11-25". */
export function recentBucket(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** A stable shard per transfer: the ULID's last (random) character, modulo the shard count. */
export function recentShard(transferId: string): number {
  return transferId.charCodeAt(transferId.length - 1) % RECENT_SHARDS;
}

// Keys keep the caller's casing: ElectroDB lowercases by default, which would merge
// the user ids "Alice" and "alice" and the idempotency keys "K" and "k".
const exact = { casing: "none" } as const;

function createEntities(config: { client: DynamoDBClient; table: string }) {
  const transfer = new Entity(
    {
      model: { entity: TRANSFER_ENTITY, version: "1", service: SERVICE_NAME },
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
      model: { entity: IDEMPOTENCY_ENTITY, version: "1", service: SERVICE_NAME },
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

function memo<T>(build: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: build() }).v;
}

const client = memo(() => new DynamoDBClient({}));
const tableName = memo((): string => Resource.Transfers.name);
const service = memo(() => createEntities({ client: client(), table: tableName() }));

/** Resolved on first call, then shared by every caller in the process. */
export const Dynamo = { client, tableName, service };
