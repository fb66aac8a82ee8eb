/**
 * What the transfer modules share: input parsing for their functions, the stored item as the
 * domain sees it (`toInfo`), and `get`.
 */
import type { $ZodType, output as Output } from "zod/v4/core";
import { storeCall } from "../transient.ts";
import { fn as validated } from "../util/fn.ts";
import type { TransferItem } from "./entities.ts";
import READS from "./plans/read.json" with { type: "json" };
import { getItem, plansOf } from "./store.ts";
import { TransferError } from "./errors.ts";
import { TransferId, type HistoryEntry, type TransferInfo } from "./record.ts";

/** Every Transfer function validates its input (INVALID_INPUT) and reports a transient DynamoDB failure as TRANSIENT_STORE_ERROR. */
export const fn = <S extends $ZodType, R>(schema: S, body: (input: Output<S>) => Promise<R>) =>
  validated(schema, TransferError.INVALID_INPUT, (input) => storeCall(() => body(input)));

// Free-text fields come from caught errors whose causes can be long; keep items small.
const MAX_TEXT = 1000;
export const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
export const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** The object without its undefined fields (DynamoDB items and API answers omit absent attributes). */
function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The reads of one item by its key (compiled by ./plans.ts). */
export const READ = plansOf(READS);

export function toInfo(item: TransferItem): TransferInfo {
  return {
    transferId: item.transferId,
    senderUserId: item.senderUserId,
    receiverUserId: item.receiverUserId,
    amount: item.amount,
    currency: item.currency,
    status: item.status,
    ...present({ failureReason: item.failureReason, failureMessage: item.failureMessage, executionId: item.executionId }),
    compensating: item.compensating,
    history: item.history.map((entry): HistoryEntry => present({ ...entry })),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

export async function get(transferId: string): Promise<TransferInfo | undefined> {
  if (!TransferId.safeParse(transferId).success) return undefined;
  const item = await storeCall(() => getItem(READ["read.transfer"], { transferId }));
  return item ? toInfo(item as TransferItem) : undefined;
}
