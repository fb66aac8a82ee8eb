/**
 * The saga's moves of a transfer. Every status change is ONE conditional UpdateItem, so a late or
 * repeated step can never move a terminal transfer, and a step that already made its move and
 * retries gets success, not an error.
 */
import * as z from "../util/zod.ts";
import { AppError } from "../error.ts";
import { Dynamo, type TransferItem, type TransferService } from "./entities.ts";
import { TransferError } from "./errors.ts";
import { HistoryEntry, IN_FLIGHT_STATUSES, TransferId, type TransferInfo, type TransferStatus } from "./record.ts";
import { clip, fn, get, iso, toInfo } from "./item.ts";

/** ElectroDB's condition callback for an update of a transfer. */
type Condition = Parameters<ReturnType<ReturnType<TransferService["entities"]["transfer"]["patch"]>["set"]>["where"]>[0];

/**
 * ONE conditional UpdateItem that also appends `history`. When the condition fails, the
 * item as it was (returned by the same call) decides: the caller's own earlier move is a
 * success (nothing is appended twice), anything else is refused.
 */
async function transition(move: {
  transferId: string;
  when: Condition;
  set: Partial<Pick<TransferItem, "status" | "executionId" | "compensating" | "failureReason" | "failureMessage">>;
  history: HistoryEntry[];
  done: (current: TransferInfo) => boolean;
  refuse: (current: TransferInfo) => AppError;
}): Promise<TransferInfo> {
  const { transfer } = Dynamo.service().entities;
  const history = move.history.map((entry) => ({
    ...entry,
    ...(entry.detail !== undefined ? { detail: clip(entry.detail) } : {}),
    ...(entry.errorMessage !== undefined ? { errorMessage: clip(entry.errorMessage) } : {}),
  }));
  const update = transfer.patch({ transferId: move.transferId }).set({ ...move.set, updatedAt: iso(Date.now()) });
  const result = await (history.length ? update.append({ history }) : update)
    .where(move.when)
    .go({ response: "all_new", returnOnConditionCheckFailure: "all_old" });
  if (!result.rejected) return toInfo(result.data as TransferItem);
  const current = result.data ? toInfo(result.data) : await get(move.transferId);
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
    when: ({ status }, { eq }) => eq(status, "PENDING"),
    set: { status: "PROCESSING", executionId: input.executionId },
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
const owned = (executionId: string | undefined, attribute: unknown, eq: (a: never, v: string) => string) =>
  executionId === undefined ? "" : ` AND ${eq(attribute as never, executionId)}`;

export const CompensationInput = z.object({ transferId: TransferId, executionId: Owner, reason: Reason, message: Message, history: History });
/** The fence before undoing anything: PROCESSING stays PROCESSING but can no longer succeed. */
export const beginCompensation = fn(CompensationInput, (input) =>
  transition({
    transferId: input.transferId,
    when: ({ status, compensating, executionId }, { eq }) =>
      `${eq(status, "PROCESSING")} AND ${eq(compensating, false)}${owned(input.executionId, executionId, eq as never)}`,
    set: { compensating: true, failureReason: input.reason, failureMessage: input.message },
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
    when: ({ status, compensating, executionId }, { eq }) =>
      `${eq(status, "PROCESSING")} AND ${eq(compensating, false)}${owned(input.executionId, executionId, eq as never)}`,
    set: { status: "SUCCEEDED" },
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
    // A PENDING transfer was never started, so any execution may fail it (its owner-to-be then stops as a duplicate).
    when: ({ status, executionId }, { eq }) =>
      `(${eq(status, "PENDING")} OR (${eq(status, "PROCESSING")}${owned(input.executionId, executionId, eq as never)}))`,
    set: { status: "FAILED", failureReason: input.reason, failureMessage: input.message },
    history: input.history,
    done: (t) => t.status === "FAILED",
    refuse: (t) => (t.status === "SUCCEEDED" ? alreadySucceeded(t) : invalid(t, "fail")),
  }),
);

/** PROCESSING → REQUIRES_ATTENTION: a compensation could not be applied; a person must look. */
export const requireAttention = fn(FailInput, (input) =>
  transition({
    transferId: input.transferId,
    when: ({ status, executionId }, { eq }) => `${eq(status, "PROCESSING")}${owned(input.executionId, executionId, eq as never)}`,
    set: { status: "REQUIRES_ATTENTION", failureReason: input.reason, failureMessage: input.message },
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
    when: ({ status }, { eq }) => `(${IN_FLIGHT_STATUSES.map((value: TransferStatus) => eq(status, value)).join(" OR ")})`,
    set: {},
    history: input.history,
    done: () => false,
    refuse: (t) => invalid(t, "take a note"),
  }),
);
