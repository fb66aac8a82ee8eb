import { describe, expect, it } from "vitest";
import { pipeSettings, sagaInputTemplate, transferInsertFilter } from "@ewallet/core/saga/pipe";
import { SagaInput } from "@ewallet/core/saga/steps";
import { matchesPattern, renderInputTemplate } from "../src/pipe-emulation.ts";

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
  transferId: { S: "01J0000000000000000000000" },
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
    expect(input).toEqual({ transferId: "01J0000000000000000000000", senderUserId: "alice", receiverUserId: "bob", amount: "10.00" });
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
