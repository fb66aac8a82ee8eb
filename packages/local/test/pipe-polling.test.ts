/**
 * How the offline pipe reads the stream under load: a backlog comes in large pages (GetRecords'
 * maximum of 1,000 records), not a hundred at a time. Each GetRecords costs DynamoDB Local about
 * 2 ms of CPU whatever it returns, and the pipe's calls were a tenth of the pipeline's DynamoDB
 * calls; fewer, fuller pages must still deliver every transfer once, in order.
 */
import { afterEach, expect, it, vi } from "vitest";
import { DynamoDBStreamsClient, GetRecordsCommand } from "@aws-sdk/client-dynamodb-streams";
import { Resource } from "sst";
import { Transfer } from "@ewallet/core/transfer/transfer";
import { StreamPipe } from "../src/stream-pipe.ts";

afterEach(() => vi.restoreAllMocks());

it("reads a backlog of 300 stream records in one GetRecords page and starts each transfer's saga once, in order", { timeout: 60_000 }, async () => {
  const created: string[] = [];
  // 150 creates: 300 records (each create writes the transfer and its idempotency item).
  for (let i = 0; i < 150; i++) {
    const { transfer } = await Transfer.create({
      scope: "alice",
      idempotencyKey: `polling-${i}`,
      request: { senderUserId: "alice", receiverUserId: "bob", amount: "1.00" },
    });
    created.push(transfer.transferId);
  }

  // Every GetRecords the pipe sends, with how many records it brought back.
  const pages: number[] = [];
  const send = DynamoDBStreamsClient.prototype.send;
  vi.spyOn(DynamoDBStreamsClient.prototype, "send").mockImplementation(async function (this: DynamoDBStreamsClient, command: unknown) {
    const output = await (send as (c: unknown) => Promise<{ Records?: unknown[] }>).call(this, command);
    if (command instanceof GetRecordsCommand) pages.push(output.Records?.length ?? 0);
    return output;
  } as never);

  const started: string[] = [];
  const pipe = new StreamPipe({
    tableName: Resource.Transfers.name,
    start: (input) => started.push((input as { transferId: string }[])[0]!.transferId),
  });
  await pipe.start();
  await pipe.idle();
  await pipe.stop();

  expect(started).toEqual(created);
  // The whole backlog in the first page that held anything; every later page was empty.
  const firstFull = pages.findIndex((records) => records > 0);
  expect(pages[firstFull]).toBe(300);
  expect(pages.slice(firstFull + 1).every((records) => records === 0)).toBe(true);
});
