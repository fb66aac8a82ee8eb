/**
 * The transfers table in DynamoDB Local, created from core's one table definition
 * (the same one infra gives to `sst.aws.Dynamo`), with its stream.
 */
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists, waitUntilTableNotExists } from "@aws-sdk/client-dynamodb";
import { Dynamo } from "@ewallet/core/transfer/entities";
import { createTableInput } from "@ewallet/core/transfer/table";

/** Creates the table if it is missing and waits until it is ACTIVE. Default name: `Resource.Transfers.name`. */
export async function ensureTable(name: string = Dynamo.tableName()): Promise<string> {
  const client = Dynamo.client();
  try {
    await client.send(new CreateTableCommand(createTableInput(name)));
  } catch (error) {
    // Already there (an earlier run, or a concurrent caller): just wait for it below.
    if ((error as Error).name !== "ResourceInUseException") throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: name });
  return name;
}

export async function deleteTable(name: string): Promise<void> {
  const client = Dynamo.client();
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return;
    throw error;
  }
  await waitUntilTableNotExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: name });
}
