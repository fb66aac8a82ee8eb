/**
 * The environment in which handlers find their resources exactly as on Lambda (SST's
 * SST_RESOURCE_* values, AWS endpoint variables): one definition for the offline stack,
 * the benchmark and every test file.
 */
import type { PostgresInfo } from "./engines.ts";

export function resourceEnvironment(input: { dynamoEndpoint: string; postgres: PostgresInfo; tableName: string }) {
  return {
    SST_RESOURCE_Postgres: JSON.stringify(input.postgres),
    SST_RESOURCE_Transfers: JSON.stringify({ name: input.tableName }),
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamoEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: input.dynamoEndpoint,
    AWS_REGION: process.env.AWS_REGION ?? "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
  };
}
