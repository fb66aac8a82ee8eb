/**
 * The offline pipe across a restart: it resumes each shard after the last record it delivered,
 * as the cloud pipe (which is never restarted) keeps reading where it was. Without the
 * checkpoint, a restart read the stream again from TRIM_HORIZON and started a saga for every
 * transfer of the last 24 hours (each stopping at its first step), which stalled a restart under
 * load for minutes.
 */
import { afterAll, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resource } from "sst";
import { Transfer } from "@ewallet/core/transfer/transfer";
import { StreamPipe } from "../src/stream-pipe.ts";

const directory = mkdtempSync(join(tmpdir(), "pipe-checkpoint-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let serial = 0;
async function createTransfers(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { transfer } = await Transfer.create({
      scope: "alice",
      idempotencyKey: `checkpoint-${serial++}`,
      request: { senderUserId: "alice", receiverUserId: "bob", amount: "1.00" },
    });
    ids.push(transfer.transferId);
  }
  return ids;
}

/** Runs a pipe until it has read everything, and returns the transfer ids it started sagas for. */
async function drain(checkpointFile: string | undefined): Promise<string[]> {
  const started: string[] = [];
  const pipe = new StreamPipe({
    tableName: Resource.Transfers.name,
    start: (input) => started.push((input as { transferId: string }[])[0]!.transferId),
    pollIntervalMs: 10,
    checkpointFile,
  });
  await pipe.start();
  await pipe.idle();
  await pipe.idle(); // a second full pass: nothing arrives late
  await pipe.stop();
  return started;
}

it("resumes after the last delivered record: a restart re-delivers nothing it had delivered", { timeout: 60_000 }, async () => {
  const checkpointFile = join(directory, "resume.json");
  const first = await createTransfers(5);
  expect(await drain(checkpointFile)).toEqual(first);

  const second = await createTransfers(3);
  expect(await drain(checkpointFile)).toEqual(second);
  expect(await drain(checkpointFile)).toEqual([]);

  // Without a checkpoint the pipe starts at TRIM_HORIZON, as the cloud pipe's first start does.
  expect(await drain(undefined)).toEqual([...first, ...second]);
});

it("ignores a checkpoint of another stream (a new table): everything on this one is delivered", { timeout: 60_000 }, async () => {
  const created = await createTransfers(2);
  const checkpointFile = join(directory, "other-stream.json");
  writeFileSync(checkpointFile, JSON.stringify({ streamArn: "arn:aws:dynamodb:ddblocal:000000000000:table/gone/stream/x", positions: { "shardId-1": "999" } }));
  const delivered = await drain(checkpointFile);
  // Exactly what a pipe without any checkpoint delivers: the whole stream, these two included.
  expect(delivered).toEqual(await drain(undefined));
  expect(delivered.slice(-2)).toEqual(created);
});
