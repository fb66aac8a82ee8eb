/**
 * The DynamoDB client and the table name, resolved on first use, not at import: SST's
 * `Resource` and the AWS SDK read the environment, and offline the stack (or a test) sets
 * it before the first call. The SDK honours AWS_ENDPOINT_URL_DYNAMODB, which is how
 * DynamoDB Local is reached: no separate code path.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Resource } from "sst";

function memo<T>(build: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: build() }).v;
}

const client = memo(() => new DynamoDBClient({}));
const tableName = memo((): string => Resource.Transfers.name);

/** Resolved on first call, then shared by every caller in the process. */
export const Dynamo = { client, tableName, memo };
