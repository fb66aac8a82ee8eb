/**
 * Creating a transfer: once per Idempotency-Key. The idempotency item and the PENDING transfer
 * are written in ONE TransactWriteItems with two conditional puts; the stream's INSERT of the
 * transfer is what starts the saga.
 */
import { createHash } from "node:crypto";
import { decodeTime, monotonicFactory, ulid } from "ulid";
import * as z from "../util/zod.ts";
import { AppError } from "../error.ts";
import { storeCall } from "../transient.ts";
import { parse } from "../util/fn.ts";
import { CURRENCY } from "../money.ts";
import { IdempotencyKey } from "../idempotency.ts";
import type { IdempotencyItem, TransferItem } from "./entities.ts";
import { recentBucket, recentShard } from "./recent.ts";
import CREATES from "./plans/create.json" with { type: "json" };
import { getItem, plansOf, transactWrite } from "./store.ts";
import { IDEMPOTENCY_ENTITY, ENTITY_ATTRIBUTE } from "./table.ts";
import { TransferError } from "./errors.ts";
import { CreateInput, type TransferInfo } from "./info.ts";
import { READ, get, iso, toInfo } from "./item.ts";

const CREATE = plansOf(CREATES);

const CREATE_ATTEMPTS = 8;

const monotonic = monotonicFactory();
let lastIdTime = 0;
/** A new transfer id: ids made in one process sort in creation order, even within a millisecond. */
export function newTransferId(): string {
  const now = Date.now();
  // The monotonic factory would stamp an earlier time with its last one; keep the id's time
  // true instead (a corrected clock, or a test that travels back in time).
  if (now < lastIdTime) return ulid(now);
  lastIdTime = now;
  return monotonic(now);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Who the key belongs to (e.g. the authenticated user); '#' would make keys ambiguous. */
const Scope = z.string().check(
  z.regex(/^[\x21-\x22\x24-\x7E]{1,128}$/, { error: "scope must be 1–128 printable characters without spaces or '#'" }),
);

export function fingerprint(request: CreateInput): string {
  // Fixed key order over the parsed request: "5" and "5.00", or reordered JSON, are the same request.
  const canonical = JSON.stringify([request.senderUserId, request.receiverUserId, request.amount, CURRENCY]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** Creates the transfer for this idempotency key, or returns the one already created for it. */
export async function create(input: {
  scope: string;
  idempotencyKey: string;
  /** Anything: parsed by CreateInput. */
  request: unknown;
}): Promise<{ transfer: TransferInfo; replayed: boolean }> {
  const idempotencyKey = parse(IdempotencyKey, input.idempotencyKey, TransferError.INVALID_IDEMPOTENCY_KEY, "Idempotency-Key");
  const scope = parse(Scope, input.scope, TransferError.INVALID_INPUT, "scope");
  const request = parse(CreateInput, input.request, TransferError.INVALID_TRANSFER_REQUEST, "transfer request");
  const key = `${scope}#${idempotencyKey}`;
  const print = fingerprint(request);

  const transferId = newTransferId();
  // The id's own time, so that the id order, createdAt and the recent bucket always agree.
  const createdMs = decodeTime(transferId);
  const createdAt = iso(createdMs);
  const item: TransferItem = {
    transferId,
    senderUserId: request.senderUserId,
    receiverUserId: request.receiverUserId,
    amount: request.amount,
    currency: CURRENCY,
    status: "PENDING",
    compensating: false,
    history: [{ step: "created", outcome: "pending", at: createdAt }],
    bucket: recentBucket(createdMs),
    shard: recentShard(transferId),
    createdAt,
    updatedAt: createdAt,
  };

  return storeCall(() => record(key, scope, idempotencyKey, print, item));
}

async function record(key: string, scope: string, idempotencyKey: string, print: string, item: TransferItem): Promise<{ transfer: TransferInfo; replayed: boolean }> {
  const { transferId, createdAt, senderUserId, receiverUserId, amount, currency, history, bucket, shard } = item;
  for (let attempt = 1; ; attempt++) {
    // The plan writes the idempotency item and the transfer (PENDING) in one transaction.
    const result = await transactWrite(CREATE["create.transfer"], {
      ...{ key, scope, idempotencyKey, fingerprint: print },
      ...{ transferId, createdAt, senderUserId, receiverUserId, amount, currency, history, bucket, shard },
    });
    if (!result.canceled) return { transfer: toInfo(item), replayed: false };

    const [keyOutcome, transferOutcome] = result.reasons;
    if (keyOutcome?.code === "ConditionalCheckFailed") {
      // The plan asks for the existing idempotency item back (all_old), saving a read.
      const returned = keyOutcome.item?.[ENTITY_ATTRIBUTE] === IDEMPOTENCY_ENTITY ? keyOutcome.item : undefined;
      const existing = (returned ?? (await getItem(READ["read.idempotency"], { key }))) as IdempotencyItem | undefined;
      if (existing) return replay(existing, print);
    }
    // Another create of the same key is in flight (TransactionConflict): once it commits,
    // the next attempt sees its idempotency item and replays it.
    const conflict = [keyOutcome, transferOutcome].some((o) => o?.code === "TransactionConflict");
    if (!conflict || attempt >= CREATE_ATTEMPTS) {
      throw new AppError(
        "transient",
        TransferError.TRANSFER_CONTENTION,
        "The transfer could not be recorded because of concurrent writes; retry with the same Idempotency-Key",
        { reasons: [keyOutcome?.code, transferOutcome?.code] },
      );
    }
    await sleep(Math.random() * 20 * 2 ** attempt);
  }
}

async function replay(existing: IdempotencyItem, print: string): Promise<{ transfer: TransferInfo; replayed: boolean }> {
  if (existing.fingerprint !== print) {
    throw new AppError(
      "conflict",
      TransferError.IDEMPOTENCY_KEY_REUSED,
      "This Idempotency-Key was already used with a different request",
    );
  }
  const transfer = await get(existing.transferId);
  // Both items are written in one transaction, so the transfer exists whenever its key does.
  if (!transfer) throw new Error(`idempotency item ${existing.key} points to missing transfer ${existing.transferId}`);
  return { transfer, replayed: true };
}
