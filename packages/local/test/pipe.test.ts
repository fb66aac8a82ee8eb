import { describe, expect, it } from "vitest";
import { pipeSettings, sagaInputTemplate, transferInsertFilter } from "@ewallet/core/saga/pipe";
import { ExecutionInput, SagaInput } from "@ewallet/core/saga/document";
import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import { matchesPattern, pipesDynamoDBEvent, renderInputTemplate, renderTargetInput } from "../src/pipe-emulation.ts";

function record(eventName: string, image: Record<string, { S: string }>) {
  return {
    eventID: "1",
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: { Keys: { pk: image.pk, sk: image.sk }, NewImage: image, StreamViewType: "NEW_IMAGE" },
  };
}

const transferImage = {
  pk: { S: "$ewallet#transferid_01j" },
  sk: { S: "$transfer_1" },
  __edb_e__: { S: "transfer" },
  __edb_v__: { S: "1" },
  transferId: { S: "01J00000000000000000000000" },
  senderUserId: { S: "alice" },
  receiverUserId: { S: "bob" },
  amount: { S: "10.00" },
  status: { S: "PENDING" },
};

describe("pipe filter and input template", () => {
  it("accepts the INSERT of a transfer item", () => {
    expect(matchesPattern(transferInsertFilter, record("INSERT", transferImage))).toBe(true);
  });

  it("rejects MODIFY and REMOVE records and idempotency items", () => {
    expect(matchesPattern(transferInsertFilter, record("MODIFY", transferImage))).toBe(false);
    expect(matchesPattern(transferInsertFilter, { eventName: "REMOVE", dynamodb: { Keys: {} } })).toBe(false);
    const idempotency = { ...transferImage, __edb_e__: { S: "idempotency" } };
    expect(matchesPattern(transferInsertFilter, record("INSERT", idempotency))).toBe(false);
  });

  it("renders the saga input the state machine expects", () => {
    const input = renderInputTemplate(sagaInputTemplate, record("INSERT", transferImage));
    expect(input).toEqual({ transferId: "01J00000000000000000000000", senderUserId: "alice", receiverUserId: "bob", amount: "10.00" });
    expect(SagaInput.parse(input)).toEqual(input);
  });

  it("escapes string values instead of breaking the JSON", () => {
    const tricky = { ...transferImage, senderUserId: { S: 'a"b\\c' } };
    expect(renderInputTemplate(sagaInputTemplate, record("INSERT", tricky))).toMatchObject({ senderUserId: 'a"b\\c' });
  });

  it("pins the pipe settings the cloud pipe uses", () => {
    expect(pipeSettings).toMatchObject({ startingPosition: "TRIM_HORIZON", invocationType: "FIRE_AND_FORGET", batchSize: 1 });
  });
});

/**
 * AWS: "Amazon DynamoDB stream as a source" (EventBridge Pipes),
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html — "Example event":
 * the first record of the page's sample batch, as received by the pipe.
 */
const awsExampleEvent = {
  eventID: "1",
  eventVersion: "1.0",
  dynamodb: {
    Keys: { Id: { N: "101" } },
    NewImage: { Message: { S: "New item!" }, Id: { N: "101" } },
    StreamViewType: "NEW_AND_OLD_IMAGES",
    SequenceNumber: "111",
    SizeBytes: 26,
  },
  awsRegion: "us-west-2",
  eventName: "INSERT",
  eventSourceARN: "arn:aws:dynamodb:us-east-1:111122223333:table/EventSourceTable",
  eventSource: "aws:dynamodb",
};

describe("conformance: the Pipes event of a DynamoDB stream record", () => {
  it("is AWS's example event when made from the same record as the SDK reads it", () => {
    // GetRecords through the SDK: the same fields, as the SDK types them.
    const sdkRecord: _Record = {
      eventID: "1",
      eventVersion: "1.0",
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      awsRegion: "us-west-2",
      dynamodb: {
        Keys: { Id: { N: "101" } },
        NewImage: { Message: { S: "New item!" }, Id: { N: "101" } },
        StreamViewType: "NEW_AND_OLD_IMAGES",
        SequenceNumber: "111",
        SizeBytes: 26,
      },
    };
    expect(pipesDynamoDBEvent(sdkRecord, awsExampleEvent.eventSourceARN)).toEqual(awsExampleEvent);
  });

  /**
   * AWS: "StreamRecord" (DynamoDB Streams API Reference),
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html —
   * ApproximateCreationDateTime: "The approximate date and time when the stream record was created, in UNIX
   * epoch time format and rounded down to the closest second. Some tools and SDKs may convert this value to a
   * different format" (the JavaScript SDK makes it a Date); binary values travel base64-encoded in JSON.
   */
  it("carries ApproximateCreationDateTime as epoch seconds and binary attributes as base64, as on the wire", () => {
    const event = pipesDynamoDBEvent(
      {
        ...{ eventID: "2", eventVersion: "1.1", eventName: "INSERT", eventSource: "aws:dynamodb", awsRegion: "eu-west-1" },
        dynamodb: {
          ApproximateCreationDateTime: new Date("2026-11-27T20:00:00.900Z"),
          Keys: { pk: { S: "a" } },
          NewImage: { pk: { S: "a" }, blob: { B: new Uint8Array([1, 2, 3]) }, nested: { M: { n: { N: "1.5" }, l: { L: [{ BOOL: true }, { NULL: true }] } } } },
          SequenceNumber: "000000000000000000001",
          SizeBytes: 40,
          StreamViewType: "NEW_IMAGE",
        },
      },
      "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2026-11-27T00:00:00.000",
    );
    expect(event.dynamodb.ApproximateCreationDateTime).toBe(Math.floor(Date.parse("2026-11-27T20:00:00Z") / 1000));
    expect(event.dynamodb.NewImage).toEqual({
      pk: { S: "a" },
      blob: { B: "AQID" },
      nested: { M: { n: { N: "1.5" }, l: { L: [{ BOOL: true }, { NULL: true }] } } },
    });
  });
});

/**
 * AWS: "Amazon EventBridge Pipes batching and concurrency",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html —
 * "Input transformers are applied separately on each individual JSON record in the array, not the array as
 * a whole. [...] If the enrichment or target doesn't have a batch API but receives full JSON payloads, such
 * as Lambda and Step Functions, the entire JSON array is sent in one request. The request will be sent as a
 * JSON array even if the batch size is 1."
 */
describe("conformance: what the pipe's Step Functions target receives", () => {
  const transferEvent = (transferId: string) => ({
    ...awsExampleEvent,
    dynamodb: { ...awsExampleEvent.dynamodb, Keys: { pk: transferImage.pk, sk: transferImage.sk }, NewImage: { ...transferImage, transferId: { S: transferId } } },
  });

  it("is a JSON array even for a batch of one, each record rendered by the input template on its own", () => {
    const one = renderTargetInput(sagaInputTemplate, [transferEvent("01JA0000000000000000000000")]);
    expect(one).toEqual([{ transferId: "01JA0000000000000000000000", senderUserId: "alice", receiverUserId: "bob", amount: "10.00" }]);
    expect(ExecutionInput.safeParse(one).success).toBe(true);
    const two = renderTargetInput(sagaInputTemplate, [transferEvent("01JA0000000000000000000000"), transferEvent("01JB0000000000000000000000")]);
    expect(two).toEqual([expect.objectContaining({ transferId: "01JA0000000000000000000000" }), expect.objectContaining({ transferId: "01JB0000000000000000000000" })]);
    // Without a template the events themselves go in the array.
    expect(renderTargetInput(undefined, [awsExampleEvent])).toEqual([awsExampleEvent]);
  });

  it("keeps exactly the INSERT of a transfer, filtering the Pipes event (not the SDK record)", () => {
    expect(matchesPattern(transferInsertFilter, transferEvent("01JA0000000000000000000000"))).toBe(true);
    expect(matchesPattern(transferInsertFilter, awsExampleEvent)).toBe(false);
  });
});
