/**
 * The saga's moves of a transfer. Every status change is ONE conditional UpdateItem, so a late or
 * repeated step can never move a terminal transfer, and a step that already made its move and
 * retries gets success, not an error.
 */
import * as z from "../util/zod.ts";
import { AppError } from "../error.ts";
import type { TransferItem } from "./entities.ts";
import MOVES from "./plans/move.json" with { type: "json" };
import { PlanNames, plansOf, updateItem } from "./store.ts";
import { TransferError } from "./errors.ts";
import { HistoryEntry, TransferId, type TransferInfo } from "./record.ts";
import { clip, fn, get, iso, toInfo } from "./item.ts";

const MOVE = plansOf(MOVES);
type Move = keyof typeof MOVES;

/**
 * ONE conditional UpdateItem that also appends `history` (its plan, with the condition, is in
 * ./plans.ts). When the condition fails, the item as it was (returned by the same call)
 * decides: the caller's own earlier move is a success (nothing is appended twice), anything
 * else is refused.
 */
async function transition(move: {
  plan: Move;
  transferId: string;
  /** The plan's other run-time values (executionId, reason, message). */
  values?: Record<string, string | undefined>;
  history: HistoryEntry[];
  done: (current: TransferInfo) => boolean;
  refuse: (current: TransferInfo) => AppError;
}): Promise<TransferInfo> {
  const history = move.history.map((entry) => ({
    ...entry,
    ...(entry.detail !== undefined ? { detail: clip(entry.detail) } : {}),
    ...(entry.errorMessage !== undefined ? { errorMessage: clip(entry.errorMessage) } : {}),
  }));
  const values = Object.fromEntries(Object.entries(move.values ?? {}).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const result = await updateItem(MOVE[move.plan], { ...values, transferId: move.transferId, updatedAt: iso(Date.now()), history });
  if (!result.rejected) return toInfo(result.item as TransferItem);
  const current = result.item ? toInfo(result.item as TransferItem) : await get(move.transferId);
  if (!current) throw new AppError("not_found", TransferError.TRANSFER_NOT_FOUND, `No transfer ${move.transferId}`);
  if (move.done(current)) return current;
  throw move.refuse(current);
}

const alreadySucceeded = (current: TransferInfo) =>
  new AppError("business", TransferError.TRANSFER_ALREADY_SUCCEEDED, `Transfer ${current.transferId} already succeeded`);
const invalid = (current: TransferInfo, action: string) =>
  new AppError(
    "business",
    TransferError.TRANSFER_INVALID_TRANSITION,
    `Transfer ${current.transferId} cannot ${action}: it is ${current.status}${current.compensating ? " (compensating)" : ""}`,
  );

const History = z._default(z.array(HistoryEntry), () => []);
// Reasons and messages come from caught errors: shortened, never refused, so a failure is always recorded.
const Reason = z.pipe(z.string().check(z.minLength(1)), z.transform((reason: string) => clip(reason, 128)));
const Message = z.pipe(z.string(), z.transform((message: string) => clip(message)));
const ExecutionId = z.string().check(z.minLength(1), z.maxLength(2048));

export const StartInput = z.object({ transferId: TransferId, executionId: ExecutionId, history: History });
/** PENDING → PROCESSING, owned by `executionId`. A duplicate delivery (another execution) stops here. */
export const start = fn(StartInput, (input) =>
  transition({
    transferId: input.transferId,
    plan: "move.start",
    values: { executionId: input.executionId },
    history: input.history,
    done: (t) => t.status === "PROCESSING" && t.executionId === input.executionId,
    refuse: (t) =>
      new AppError(
        "business",
        TransferError.TRANSFER_ALREADY_STARTED,
        `Transfer ${t.transferId} is ${t.status}${t.executionId && t.executionId !== input.executionId ? ", owned by another execution" : ""}`,
      ),
  }),
);

/**
 * The execution that owns the transfer (set by `start`). Saga steps pass it, so a duplicate
 * execution can never move a transfer another execution is processing; the sweep, acting
 * for an operator, omits it.
 */
const Owner = z.optional(ExecutionId);
/** The plan that also checks the owner, when the caller names one. */
const owned = (plan: Move, executionId: string | undefined): Move => (executionId === undefined ? plan : (PlanNames.owned(plan) as Move));

export const CompensationInput = z.object({ transferId: TransferId, executionId: Owner, reason: Reason, message: Message, history: History });
/** The fence before undoing anything: PROCESSING stays PROCESSING but can no longer succeed. */
export const beginCompensation = fn(CompensationInput, (input) =>
  transition({
    transferId: input.transferId,
    plan: owned("move.beginCompensation", input.executionId),
    values: { executionId: input.executionId, reason: input.reason, message: input.message },
    history: input.history,
    done: (t) => t.status === "PROCESSING" && t.compensating,
    refuse: (t) => (t.status === "SUCCEEDED" ? alreadySucceeded(t) : invalid(t, "begin a compensation")),
  }),
);

export const SucceedInput = z.object({ transferId: TransferId, executionId: Owner, history: History });
/** PROCESSING → SUCCEEDED, unless a compensation began. */
export const succeed = fn(SucceedInput, (input) =>
  transition({
    transferId: input.transferId,
    plan: owned("move.succeed", input.executionId),
    values: { executionId: input.executionId },
    history: input.history,
    done: (t) => t.status === "SUCCEEDED",
    refuse: (t) =>
      new AppError(
        "business",
        TransferError.TRANSFER_NOT_SUCCEEDABLE,
        `Transfer ${t.transferId} cannot succeed: it is ${t.status}${t.compensating ? " and being compensated" : ""}`,
      ),
  }),
);

export const FailInput = z.object({ transferId: TransferId, executionId: Owner, reason: Reason, message: Message, history: History });
/** PENDING | PROCESSING → FAILED (no money moved net, or every effect was undone). */
export const fail = fn(FailInput, (input) =>
  transition({
    transferId: input.transferId,
    plan: owned("move.fail", input.executionId),
    values: { executionId: input.executionId, reason: input.reason, message: input.message },
    history: input.history,
    done: (t) => t.status === "FAILED",
    refuse: (t) => (t.status === "SUCCEEDED" ? alreadySucceeded(t) : invalid(t, "fail")),
  }),
);

/** PROCESSING → REQUIRES_ATTENTION: a compensation could not be applied; a person must look. */
export const requireAttention = fn(FailInput, (input) =>
  transition({
    transferId: input.transferId,
    plan: owned("move.requireAttention", input.executionId),
    values: { executionId: input.executionId, reason: input.reason, message: input.message },
    history: input.history,
    done: (t) => t.status === "REQUIRES_ATTENTION",
    refuse: (t) => (t.status === "SUCCEEDED" ? alreadySucceeded(t) : invalid(t, "require attention")),
  }),
);

export const NoteInput = z.object({ transferId: TransferId, history: History });
/** Appends to the history of a transfer still in flight (e.g. the sweep's redrives), without moving it. */
export const note = fn(NoteInput, (input) =>
  transition({
    transferId: input.transferId,
    plan: "move.note",
    history: input.history,
    done: () => false,
    refuse: (t) => invalid(t, "take a note"),
  }),
);
