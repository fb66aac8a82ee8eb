/**
 * The EventBridge Pipe between the table's stream and the state machine: which records
 * start a saga (filter) and what the execution receives (input template). The cloud pipe
 * (infra/saga.ts) and the offline poller (packages/local) both use these values.
 */
import { ENTITY_ATTRIBUTE, TRANSFER_ENTITY } from "../transfer/table.ts";
import { SAGA_BATCH_SIZE } from "./document.ts";

/** Only the INSERT of a transfer item starts a saga: not its updates, not idempotency items. */
export const transferInsertFilter = {
  eventName: ["INSERT"],
  dynamodb: { NewImage: { [ENTITY_ATTRIBUTE]: { S: [TRANSFER_ENTITY] } } },
} as const;

/**
 * Pipes' input template syntax: `<$.path>` placeholders, quoted where the value is a string. Pipes
 * applies it to each record of the batch, and the target receives the array of the results
 * (`ExecutionInput` in document.ts: what the state machine accepts).
 */
export const sagaInputTemplate = JSON.stringify({
  transferId: "<$.dynamodb.NewImage.transferId.S>",
  senderUserId: "<$.dynamodb.NewImage.senderUserId.S>",
  receiverUserId: "<$.dynamodb.NewImage.receiverUserId.S>",
  amount: "<$.dynamodb.NewImage.amount.S>",
});

/** Source and target settings (typed as plain strings by @pulumi/aws, so pinned and tested here). */
export const pipeSettings = {
  // Never skip a transfer written while the pipe was being (re)created.
  startingPosition: "TRIM_HORIZON",
  // One transfer per execution: the state machine refuses any other batch (see ExecutionInput).
  batchSize: SAGA_BATCH_SIZE,
  // A failed *start* is retried then dead-lettered; failures inside the saga never reach the pipe.
  maximumRetryAttempts: 10,
  maximumRecordAgeInSeconds: 86_400,
  // A Standard workflow is started asynchronously.
  invocationType: "FIRE_AND_FORGET",
} as const;
