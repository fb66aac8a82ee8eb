/**
 * What the table's stream carries when a transfer is created: the records the pipe
 * filters on and maps into the saga's input. Here (not in packages/core) because the
 * streams client is a dependency of the offline stack only.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { Dynamo } from "@ewallet/core/transfer/entities";
import { ENTITY_ATTRIBUTE, IDEMPOTENCY_ENTITY, TRANSFER_ENTITY } from "@ewallet/core/transfer/table";
import { Transfer } from "@ewallet/core/transfer/transfer";
import { transferInsertFilter } from "@ewallet/core/saga/pipe";
import { matchesPattern, pipesDynamoDBEvent } from "../src/pipe-emulation.ts";

async function streamArn() {
  const table = await Dynamo.client().send(new DescribeTableCommand({ TableName: Dynamo.tableName() }));
  return table.Table!.LatestStreamArn!;
}

async function streamRecords(): Promise<_Record[]> {
  const table = await Dynamo.client().send(new DescribeTableCommand({ TableName: Dynamo.tableName() }));
  const StreamArn = table.Table?.LatestStreamArn;
  expect(table.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_IMAGE" });
  const streams = new DynamoDBStreamsClient({});
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const records: _Record[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
    );
    // An open shard keeps handing out iterators; stop once a read comes back empty.
    while (ShardIterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      if (!page.Records?.length) break;
      records.push(...page.Records);
      ShardIterator = page.NextShardIterator;
    }
  }
  streams.destroy();
  return records;
}

describe("the transfers table's stream", () => {
  it("carries one INSERT per item of the create transaction; only the transfer's is a transfer", async () => {
    const { transfer } = await Transfer.create({
      scope: "public",
      idempotencyKey: "stream-test",
      request: { senderUserId: "alice", receiverUserId: "bob", amount: "12.5" },
    });
    await Transfer.start({ transferId: transfer.transferId, executionId: "exec-1" });

    const records = await streamRecords();
    const inserts = records.filter((r) => r.eventName === "INSERT");
    expect(inserts).toHaveLength(2);

    const [transferInsert] = inserts.filter((r) => r.dynamodb?.NewImage?.[ENTITY_ATTRIBUTE]?.S === TRANSFER_ENTITY);
    expect(transferInsert).toBeDefined();
    const image = transferInsert!.dynamodb!.NewImage!;
    expect(image).toMatchObject({
      transferId: { S: transfer.transferId },
      senderUserId: { S: "alice" },
      receiverUserId: { S: "bob" },
      amount: { S: "12.50" },
      currency: { S: "EUR" },
      status: { S: "PENDING" },
      compensating: { BOOL: false },
      createdAt: { S: transfer.createdAt },
    });
    // The names the pipe's input template reads (pinned so a rename is caught here).
    expect(Object.keys(image).sort()).toEqual(
      [
        "__edb_e__", "__edb_v__", "amount", "bucket", "compensating", "createdAt", "currency",
        "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "history", "pk", "receiverUserId",
        "senderUserId", "shard", "sk", "status", "transferId", "updatedAt",
      ].sort(),
    );

    const idempotencyInsert = inserts.find((r) => r !== transferInsert);
    expect(idempotencyInsert?.dynamodb?.NewImage?.[ENTITY_ATTRIBUTE]).toEqual({ S: IDEMPOTENCY_ENTITY });

    // The status change is a MODIFY, which the pipe ignores.
    expect(records.filter((r) => r.eventName === "MODIFY").map((r) => r.dynamodb?.NewImage?.status)).toEqual([{ S: "PROCESSING" }]);
  });
});

/**
 * AWS: "Amazon DynamoDB stream as a source" (EventBridge Pipes),
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html — "Example event": each
 * record has eventID, eventVersion, dynamodb { Keys, NewImage, StreamViewType, SequenceNumber, SizeBytes },
 * awsRegion, eventName, eventSourceARN and eventSource "aws:dynamodb"; plus ApproximateCreationDateTime in
 * epoch seconds ("StreamRecord", DynamoDB Streams API Reference,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html).
 */
describe("conformance: a real stream record as the pipe sees it", () => {
  it("has the Pipes event shape of AWS's example, and core's filter keeps it", async () => {
    const { transfer } = await Transfer.create({
      scope: "public",
      idempotencyKey: "pipes-shape-test",
      request: { senderUserId: "carol", receiverUserId: "dave", amount: "1.25" },
    });
    const arn = await streamArn();
    const record = (await streamRecords()).find(
      (r) => r.eventName === "INSERT" && r.dynamodb?.NewImage?.transferId?.S === transfer.transferId && r.dynamodb.NewImage[ENTITY_ATTRIBUTE]?.S === TRANSFER_ENTITY,
    )!;
    const event = pipesDynamoDBEvent(record, arn);
    expect(Object.keys(event).sort()).toEqual(["awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventSourceARN", "eventVersion"]);
    expect(Object.keys(event.dynamodb).sort()).toEqual(["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber", "SizeBytes", "StreamViewType"]);
    expect(event).toMatchObject({
      eventID: expect.any(String),
      eventVersion: expect.any(String),
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      awsRegion: expect.any(String),
      eventSourceARN: arn,
      dynamodb: { SequenceNumber: expect.any(String), SizeBytes: expect.any(Number), StreamViewType: "NEW_IMAGE" },
    });
    const seconds = event.dynamodb.ApproximateCreationDateTime!;
    expect(Number.isInteger(seconds)).toBe(true);
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(120);
    // Plain JSON, as Pipes receives it: nothing the SDK deserialised into objects (no Date, no Uint8Array).
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    expect(matchesPattern(transferInsertFilter, event), JSON.stringify(event)).toBe(true);
  });
});
