/**
 * Transfers: created once per Idempotency-Key, then moved through the saga's states by
 * conditional updates. Every function parses its input; every status change is ONE
 * conditional UpdateItem, so a late or repeated step can never move a terminal transfer,
 * and a step that already made its move and retries gets success, not an error.
 */
import { createHash } from "node:crypto";
import { decodeTime, encodeTime, monotonicFactory, ulid } from "ulid";
import { z } from "zod";
import { AppError } from "../error.ts";
import { storeCall } from "../transient.ts";
import { fn as validated, parse } from "../util/fn.ts";
import { Amount, CURRENCY } from "../money.ts";
import { UserId } from "../user.ts";
import { IdempotencyKey as IdempotencyKeySchema } from "../idempotency.ts";
import {
  DAY_MS,
  Dynamo,
  RECENT_SHARDS,
  STATUSES,
  recentBucket,
  recentShard,
  type IdempotencyItem,
  type TransferItem,
  type TransferService,
} from "./entities.ts";

export { TransferError } from "./errors.ts";
import { TransferError } from "./errors.ts";

/** How far back the cross-user "recent" view (and the stuck sweep) looks. */
export const RECENT_WINDOW_DAYS = 30;
export const LIST_LIMIT_DEFAULT = 25;
export const LIST_LIMIT_MAX = 100;

// Clocks of writers may run a little ahead of the reader's; look that far into the future.
const CLOCK_SKEW_MS = 5 * 60 * 1000;
// Free-text fields come from caught errors whose causes can be long; keep items small.
const MAX_TEXT = 1000;
const CREATE_ATTEMPTS = 8;

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const monotonic = monotonicFactory();
let lastIdTime = 0;
/** Ids made in one process sort in creation order, even within a millisecond. */
function nextId(): string {
  const now = Date.now();
  // The monotonic factory would stamp an earlier time with its last one; keep the id's time
  // true instead (a corrected clock, or a test that travels back in time).
  if (now < lastIdTime) return ulid(now);
  lastIdTime = now;
  return monotonic(now);
}
const iso = (epochMs: number) => new Date(epochMs).toISOString();
const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every Transfer function validates its input (INVALID_INPUT) and reports a transient DynamoDB failure as TRANSIENT_STORE_ERROR. */
const fn = <S extends z.ZodType, R>(schema: S, body: (input: z.output<S>) => Promise<R>) =>
  validated(schema, TransferError.INVALID_INPUT, (input) => storeCall(() => body(input)));

export namespace Transfer {
  export const Status = z.enum(STATUSES);
  export type Status = z.infer<typeof Status>;

  export const TransferId = z.string().regex(ULID, { error: "transferId must be a ULID" });

  export const HistoryEntry = z.object({
    /** Saga step, e.g. "created", "process", "debit", "credit", "complete", "compensate", "fail". */
    step: z.string().min(1).max(64),
    /** What came of it, e.g. "started", "applied", "skipped", "succeeded", "error", "failed". */
    outcome: z.string().min(1).max(64),
    at: z.iso.datetime(),
    detail: z.string().optional(),
  });
  export type HistoryEntry = z.infer<typeof HistoryEntry>;

  export const Info = z.object({
    transferId: z.string(),
    senderUserId: z.string(),
    receiverUserId: z.string(),
    /** Canonical decimal string, e.g. "12.34". */
    amount: z.string(),
    currency: z.string(),
    status: Status,
    /** A stable code (e.g. INSUFFICIENT_FUNDS) once a failure or compensation is recorded. */
    failureReason: z.string().optional(),
    failureMessage: z.string().optional(),
    /** The saga execution that owns the transfer since `start`. */
    executionId: z.string().optional(),
    /** True once a compensation began: the transfer can no longer succeed. */
    compensating: z.boolean(),
    history: z.array(HistoryEntry),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  });
  export type Info = z.infer<typeof Info>;

  /** The body of POST /transfers. Unknown fields are refused: a misspelt field must not be dropped silently. */
  export const CreateInput = z
    .strictObject({ senderUserId: UserId, receiverUserId: UserId, amount: Amount })
    .refine((input) => input.senderUserId !== input.receiverUserId, {
      path: ["receiverUserId"],
      error: "receiverUserId must differ from senderUserId",
    });
  export type CreateInput = z.output<typeof CreateInput>;

  /** The client's Idempotency-Key header (core's one definition, shared with deposits). */
  export const IdempotencyKey = IdempotencyKeySchema;

  /** Who the key belongs to (e.g. the authenticated user); '#' would make keys ambiguous. */
  const Scope = z.string().regex(/^[\x21-\x22\x24-\x7E]{1,128}$/, {
    error: "scope must be 1–128 printable characters without spaces or '#'",
  });

  export function fingerprint(request: CreateInput): string {
    // Fixed key order over the parsed request: "5" and "5.00", or reordered JSON, are the same request.
    const canonical = JSON.stringify([request.senderUserId, request.receiverUserId, request.amount, CURRENCY]);
    return createHash("sha256").update(canonical).digest("hex");
  }

  function toInfo(item: TransferItem): Info {
    return {
      transferId: item.transferId,
      senderUserId: item.senderUserId,
      receiverUserId: item.receiverUserId,
      amount: item.amount,
      currency: item.currency,
      status: item.status,
      ...(item.failureReason !== undefined ? { failureReason: item.failureReason } : {}),
      ...(item.failureMessage !== undefined ? { failureMessage: item.failureMessage } : {}),
      ...(item.executionId !== undefined ? { executionId: item.executionId } : {}),
      compensating: item.compensating,
      history: item.history.map((entry) => ({
        step: entry.step,
        outcome: entry.outcome,
        at: entry.at,
        ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
      })),
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
    };
  }

  /**
   * Creates the transfer for this idempotency key, or returns the one already created for it.
   * The idempotency item and the PENDING transfer are written in ONE TransactWriteItems with two
   * conditional puts; the stream's INSERT of the transfer is what starts the saga.
   */
  export async function create(input: {
    scope: string;
    idempotencyKey: string;
    /** Anything: parsed by CreateInput. */
    request: unknown;
  }): Promise<{ transfer: Info; replayed: boolean }> {
    const idempotencyKey = parse(IdempotencyKey, input.idempotencyKey, TransferError.INVALID_IDEMPOTENCY_KEY, "Idempotency-Key");
    const scope = parse(Scope, input.scope, TransferError.INVALID_INPUT, "scope");
    const request = parse(CreateInput, input.request, TransferError.INVALID_TRANSFER_REQUEST, "transfer request");
    const key = `${scope}#${idempotencyKey}`;
    const print = fingerprint(request);

    const transferId = nextId();
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

  async function record(key: string, scope: string, idempotencyKey: string, print: string, item: TransferItem): Promise<{ transfer: Info; replayed: boolean }> {
    const { transferId, createdAt } = item;
    const service = Dynamo.service();
    for (let attempt = 1; ; attempt++) {
      const result = await service.transaction
        .write(({ idempotency, transfer }) => [
          // all_old: a cancelled transaction hands back the existing idempotency item, saving a read.
          idempotency
            .create({ key, scope, idempotencyKey, fingerprint: print, transferId, createdAt })
            .commit({ response: "all_old" }),
          transfer.create(item).commit(),
        ])
        .go();
      if (!result.canceled) return { transfer: toInfo(item), replayed: false };

      const [keyOutcome, transferOutcome] = result.data;
      if (keyOutcome?.code === "ConditionalCheckFailed") {
        const existing =
          keyOutcome.item ?? (await service.entities.idempotency.get({ key }).go({ consistent: true })).data;
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

  async function replay(existing: IdempotencyItem, print: string): Promise<{ transfer: Info; replayed: boolean }> {
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

  export async function get(transferId: string): Promise<Info | undefined> {
    if (!TransferId.safeParse(transferId).success) return undefined;
    const { data } = await storeCall(() => Dynamo.service().entities.transfer.get({ transferId }).go({ consistent: true }));
    return data ? toInfo(data) : undefined;
  }

  // ---------------------------------------------------------------- listing

  const Cursor = z.object({ after: TransferId });

  function encodeCursor(after: string): string {
    return Buffer.from(JSON.stringify({ after })).toString("base64url");
  }

  function decodeCursor(cursor: string): string {
    try {
      return Cursor.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))).after;
    } catch {
      throw new AppError("validation", TransferError.INVALID_CURSOR, "The cursor is not one this API returned");
    }
  }

  interface Page {
    /** Only transfers whose id sorts below this one (a cursor position or a time bound). */
    before?: string;
    status?: Status;
    /** Only transfers last updated before this ISO time (the stuck sweep). */
    updatedBefore?: string;
    /** How many to fetch at most. */
    count: number;
  }

  /** A query of one partition of an index sorted by transferId (bySender, byReceiver and recent are alike). */
  type PartitionQuery = ReturnType<TransferService["entities"]["transfer"]["query"]["bySender"]>;
  // Every ULID starts with 0–7, so every transfer sorts below this.
  const ABOVE_EVERY_ID = "8";

  /** One index partition, newest first, filtered, at most `page.count` items. */
  async function fetchPartition(query: PartitionQuery, page: Page): Promise<TransferItem[]> {
    const { data } = await query
      .lt({ transferId: page.before ?? ABOVE_EVERY_ID })
      .where((attr, op) =>
        [
          page.status ? op.eq(attr.status, page.status) : "",
          page.updatedBefore ? op.lt(attr.updatedAt, page.updatedBefore) : "",
        ]
          .filter(Boolean)
          .join(" AND "),
      )
      // With a filter, one DynamoDB page may hold fewer matches than asked: ElectroDB's
      // `count` keeps reading until it has them or the partition ends.
      .go({ order: "desc", count: page.count, limit: page.count, pages: "all" });
    return data;
  }

  const newestFirst = (a: TransferItem, b: TransferItem) => (a.transferId < b.transferId ? 1 : a.transferId > b.transferId ? -1 : 0);

  /** A user's transfers, sent and received, merged newest first. */
  async function fetchByUser(userId: string, page: Page): Promise<TransferItem[]> {
    const { transfer } = Dynamo.service().entities;
    const [sent, received] = await Promise.all([
      fetchPartition(transfer.query.bySender({ senderUserId: userId }), page),
      fetchPartition(transfer.query.byReceiver({ receiverUserId: userId }), page),
    ]);
    return [...sent, ...received].sort(newestFirst).slice(0, page.count);
  }

  /**
   * Everyone's transfers, newest first: day by day from the newest, each day's shards queried
   * together and merged, until enough are found or the window ends.
   */
  async function fetchRecent(page: Page & { fromMs: number; untilMs: number }): Promise<TransferItem[]> {
    const { transfer } = Dynamo.service().entities;
    const found: TransferItem[] = [];
    for (let day = page.fromMs; found.length < page.count && recentBucket(day) >= recentBucket(page.untilMs); day -= DAY_MS) {
      const bucket = recentBucket(day);
      const need = { ...page, count: page.count - found.length };
      const shards = await Promise.all(
        Array.from({ length: RECENT_SHARDS }, (_, shard) =>
          fetchPartition(transfer.query.recent({ bucket, shard }), need),
        ),
      );
      found.push(...shards.flat().sort(newestFirst).slice(0, need.count));
    }
    return found;
  }

  export const ListInput = z.object({
    userId: UserId.optional(),
    status: Status.optional(),
    cursor: z.string().optional(),
    limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
  });

  /**
   * With userId: that user's sent and received transfers; without: everyone's recent ones
   * (the last RECENT_WINDOW_DAYS). Newest first; `cursor` is opaque and continues the list.
   */
  export const list = fn(ListInput, async (input): Promise<{ items: Info[]; cursor?: string }> => {
    const before = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    // One more than asked tells whether a next page exists.
    const page: Page = { before, status: input.status, count: input.limit + 1 };
    const now = Date.now();
    const items = input.userId
      ? await fetchByUser(input.userId, page)
      : await fetchRecent({ ...page, fromMs: before ? decodeTime(before) : now + CLOCK_SKEW_MS, untilMs: now - RECENT_WINDOW_DAYS * DAY_MS });
    const shown = items.slice(0, input.limit).map(toInfo);
    const last = shown.at(-1);
    return items.length > input.limit && last ? { items: shown, cursor: encodeCursor(last.transferId) } : { items: shown };
  });

  export const ListStuckInput = z.object({
    /** PROCESSING: a saga that stopped; PENDING: a transfer whose saga never started. */
    status: z.enum(["PENDING", "PROCESSING"]).default("PROCESSING"),
    /** Not updated for at least this long. */
    olderThanMs: z.number().int().min(0),
    limit: z.number().int().min(1).max(1000).default(100),
  });

  /** Transfers left in `status` for `olderThanMs` or more (within RECENT_WINDOW_DAYS), newest first. */
  export const listStuck = fn(ListStuckInput, async (input): Promise<Info[]> => {
    const now = Date.now();
    const cutoff = now - input.olderThanMs;
    const items = await fetchRecent({
      // createdAt <= updatedAt: anything not updated since the cutoff was created before it.
      before: encodeTime(cutoff, 10) + "0".repeat(16),
      status: input.status,
      updatedBefore: iso(cutoff),
      count: input.limit,
      fromMs: cutoff,
      untilMs: now - RECENT_WINDOW_DAYS * DAY_MS,
    });
    return items.map(toInfo);
  });

  // ---------------------------------------------------------------- saga transitions

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
    done: (current: Info) => boolean;
    refuse: (current: Info) => AppError;
  }): Promise<Info> {
    const { transfer } = Dynamo.service().entities;
    const history = move.history.map((entry) => (entry.detail === undefined ? entry : { ...entry, detail: clip(entry.detail) }));
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

  const alreadySucceeded = (current: Info) =>
    new AppError("business", TransferError.TRANSFER_ALREADY_SUCCEEDED, `Transfer ${current.transferId} already succeeded`);
  const invalid = (current: Info, action: string) =>
    new AppError(
      "business",
      TransferError.TRANSFER_INVALID_TRANSITION,
      `Transfer ${current.transferId} cannot ${action}: it is ${current.status}${current.compensating ? " (compensating)" : ""}`,
    );

  const History = z.array(HistoryEntry).default([]);
  // Reasons and messages come from caught errors: shortened, never refused, so a failure is always recorded.
  const Reason = z.string().min(1).transform((reason) => clip(reason, 128));
  const Message = z.string().transform((message) => clip(message));

  export const StartInput = z.object({ transferId: TransferId, executionId: z.string().min(1).max(2048), history: History });
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
  const Owner = z.string().min(1).max(2048).optional();
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
      when: ({ status }, { eq }) => `(${eq(status, "PENDING")} OR ${eq(status, "PROCESSING")})`,
      set: {},
      history: input.history,
      done: () => false,
      refuse: (t) => invalid(t, "take a note"),
    }),
  );
}
