/**
 * Transfers: created once per Idempotency-Key, then moved through the saga's states by
 * conditional updates. Every function parses its input.
 *
 * By concern: info.ts (what a transfer is: ids, statuses, history, API shapes; client-safe),
 * create.ts, list.ts, transitions.ts; item.ts is what they share. This module gathers them
 * under one name, `Transfer`.
 */
import * as created from "./create.ts";
import * as info from "./info.ts";
import { get as getTransfer } from "./item.ts";
import * as lists from "./list.ts";
import * as moves from "./transitions.ts";
import { IdempotencyKey as IdempotencyKeySchema } from "../idempotency.ts";

export { TransferError } from "./errors.ts";
export { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from "./info.ts";
export { RECENT_WINDOW_DAYS } from "./list.ts";

export namespace Transfer {
  export const Status = info.TransferStatus;
  export type Status = info.TransferStatus;
  export const TransferId = info.TransferId;
  export const HistoryEntry = info.HistoryEntry;
  export type HistoryEntry = info.HistoryEntry;
  export const Info = info.TransferInfo;
  export type Info = info.TransferInfo;
  export const CreateInput = info.CreateInput;
  export type CreateInput = info.CreateInput;
  /** The client's Idempotency-Key header (core's one definition, shared with deposits). */
  export const IdempotencyKey = IdempotencyKeySchema;

  export const newId = created.newTransferId;
  export const fingerprint = created.fingerprint;
  export const create = created.create;
  export const get = getTransfer;

  export const MAX_ITEMS_SCANNED = lists.MAX_ITEMS_SCANNED;
  export const MAX_QUERIES_PER_LIST = lists.MAX_QUERIES_PER_LIST;
  export const ListInput = lists.ListInput;
  export const list = lists.list;
  export const ListStuckInput = lists.ListStuckInput;
  export const listStuckPage = lists.listStuckPage;
  export const listStuck = lists.listStuck;

  export const StartInput = moves.StartInput;
  export const start = moves.start;
  export const CompensationInput = moves.CompensationInput;
  export const beginCompensation = moves.beginCompensation;
  export const SucceedInput = moves.SucceedInput;
  export const succeed = moves.succeed;
  export const FailInput = moves.FailInput;
  export const fail = moves.fail;
  export const requireAttention = moves.requireAttention;
  export const NoteInput = moves.NoteInput;
  export const note = moves.note;
}
