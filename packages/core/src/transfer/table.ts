/**
 * The one DynamoDB table, described once. `infra/` passes `TransfersTable` to
 * `sst.aws.Dynamo`; the offline stack creates the same table from `createTableInput`.
 * Key names are generic (pk/sk, gsiNpk/gsiNsk) because it is a single table: the
 * entities in ./entities.ts decide what goes in them.
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/** ElectroDB's service name: the prefix of every key in the table. */
export const SERVICE_NAME = "ewallet";
/** ElectroDB entity names, written on every item as `__edb_e__`. */
export const TRANSFER_ENTITY = "transfer";
export const IDEMPOTENCY_ENTITY = "idempotency";
/** The entities' model version (ElectroDB writes it on every item as `__edb_v__`). */
export const ENTITY_VERSION = "1";
/**
 * The attribute where ElectroDB stores an item's entity name. The pipe starts a saga
 * only for stream records whose NewImage has `__edb_e__ = TRANSFER_ENTITY`.
 */
export const ENTITY_ATTRIBUTE = "__edb_e__";
export const VERSION_ATTRIBUTE = "__edb_v__";

type FieldType = "string" | "number" | "binary";

/** In the shape of SST v3's `sst.aws.Dynamo` args, so infra can spread it as is. */
export const TransfersTable = {
  fields: {
    pk: "string",
    sk: "string",
    gsi1pk: "string",
    gsi1sk: "string",
    gsi2pk: "string",
    gsi2sk: "string",
    gsi3pk: "string",
    gsi3sk: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" },
    gsi2: { hashKey: "gsi2pk", rangeKey: "gsi2sk" },
    gsi3: { hashKey: "gsi3pk", rangeKey: "gsi3sk" },
  },
  // The saga needs only what was inserted; the pipe filters on the new image.
  stream: "new-image",
} as const satisfies {
  fields: Record<string, FieldType>;
  primaryIndex: { hashKey: string; rangeKey: string };
  globalIndexes: Record<string, { hashKey: string; rangeKey: string }>;
  stream: "keys-only" | "new-image" | "old-image" | "new-and-old-images";
};

const ATTRIBUTE_TYPE = { string: "S", number: "N", binary: "B" } as const;
const STREAM_VIEW = {
  "keys-only": "KEYS_ONLY",
  "new-image": "NEW_IMAGE",
  "old-image": "OLD_IMAGE",
  "new-and-old-images": "NEW_AND_OLD_IMAGES",
} as const;

/** The same table as a CreateTable request (on-demand, projections ALL, as SST creates it). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { fields, primaryIndex, globalIndexes, stream } = TransfersTable;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: Object.entries(fields).map(([AttributeName, type]) => ({
      AttributeName,
      AttributeType: ATTRIBUTE_TYPE[type],
    })),
    KeySchema: [
      { AttributeName: primaryIndex.hashKey, KeyType: "HASH" },
      { AttributeName: primaryIndex.rangeKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: Object.entries(globalIndexes).map(([IndexName, index]) => ({
      IndexName,
      KeySchema: [
        { AttributeName: index.hashKey, KeyType: "HASH" },
        { AttributeName: index.rangeKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW[stream] },
  };
}
