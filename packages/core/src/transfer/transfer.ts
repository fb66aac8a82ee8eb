/**
 * Transfers: created once per Idempotency-Key, then moved through the saga's states by
 * conditional updates. Every function parses its input; every status change is ONE
 * conditional UpdateItem, so a late or repeated step can never move a terminal transfer,
 * and a step that already made its move and retries gets success, not an error.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
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
  //
  // Every list request is bounded in work whatever its input: at most MAX_ITEMS_SCANNED items
  // read from the index and MAX_QUERIES_PER_LIST queries. When the bound stops a page early, the
  // page may hold fewer items than asked, with a cursor to continue from where the scan stopped.
  // Cursors are signed (HMAC): the server only continues positions it handed out itself.

  /** Index items read (before filtering) per list request, at most. */
  export const MAX_ITEMS_SCANNED = 500;
  /** DynamoDB queries per list request, at most (a day of the recent view is RECENT_SHARDS queries). */
  export const MAX_QUERIES_PER_LIST = 8 * RECENT_SHARDS;

  /**
   * The cursors' signing key: LIST_CURSOR_SECRET (offline: a key generated in .data/). Without it,
   * a key derived from the table name, so cursors stay valid across instances; the work bound, not
   * the key, is what makes a forged cursor harmless.
   */
  const cursorKey = () => process.env.LIST_CURSOR_SECRET || `ewallet-list-cursor:${Dynamo.tableName()}`;

  const Cursor = z.object({ b: TransferId, s: z.string() });
  const sign = (before: string, query: string) => createHmac("sha256", cursorKey()).update(`${before}\n${query}`).digest("base64url");

  function encodeCursor(before: string, query: string): string {
    return Buffer.from(JSON.stringify({ b: before, s: sign(before, query) })).toString("base64url");
  }

  /** The position a cursor continues from; refused unless this server signed it for this same query. */
  function decodeCursor(cursor: string, query: string): string {
    try {
      const { b, s: signature } = Cursor.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
      const expected = Buffer.from(sign(b, query));
      const given = Buffer.from(signature);
      if (expected.length === given.length && timingSafeEqual(expected, given)) return b;
    } catch {
      // Not even well-formed: refused below like a forged one.
    }
    throw new AppError("validation", TransferError.INVALID_CURSOR, "The cursor is not one this API returned for this query");
  }

  interface Filter {
    status?: Status;
    /** Only transfers last updated before this ISO time (the stuck sweep). */
    updatedBefore?: string;
  }

  /** A query of one partition of an index sorted by transferId (bySender, byReceiver and recent are alike). */
  type PartitionQuery = ReturnType<TransferService["entities"]["transfer"]["query"]["bySender"]>;
  // Every ULID starts with 0–7, so every transfer sorts below this.
  const ABOVE_EVERY_ID = "8";
  const ID_IN_KEY = /transferid_([0-7][0-9A-HJKMNP-TV-Z]{25})/i;

  interface Budget {
    scanned: number;
    queries: number;
  }
  const budgetLeft = (budget: Budget) => budget.scanned < MAX_ITEMS_SCANNED && budget.queries < MAX_QUERIES_PER_LIST;

  /** One partition being read newest first: where it stands, and whether it has more. */
  interface Reader {
    query: PartitionQuery;
    /** Everything at or above this id was read. */
    position: string;
    exhausted: boolean;
  }

  /** One DynamoDB Query of at most `limit` items below the reader's position. */
  async function readPartition(reader: Reader, filter: Filter, limit: number, budget: Budget): Promise<TransferItem[]> {
    budget.queries += 1;
    const response = (await reader.query
      .lt({ transferId: reader.position })
      .where((attr, op) =>
        [filter.status ? op.eq(attr.status, filter.status) : "", filter.updatedBefore ? op.lt(attr.updatedAt, filter.updatedBefore) : ""]
          .filter(Boolean)
          .join(" AND "),
      )
      // `limit` is DynamoDB's Limit: items evaluated, before the filter. One page only.
      .go({ order: "desc", limit, pages: 1, data: "raw" })) as unknown as {
      data: { Items?: Record<string, unknown>[]; ScannedCount?: number; LastEvaluatedKey?: Record<string, unknown> };
    };
    const raw = response.data;
    budget.scanned += raw.ScannedCount ?? raw.Items?.length ?? 0;
    const last = raw.LastEvaluatedKey && Object.values(raw.LastEvaluatedKey).map(String).join(" ").match(ID_IN_KEY)?.[1];
    if (last) reader.position = last;
    else reader.exhausted = true;
    return Dynamo.service().entities.transfer.parse({ Items: raw.Items ?? [] }).data as TransferItem[];
  }

  const newestFirst = (a: TransferItem, b: TransferItem) => (a.transferId < b.transferId ? 1 : a.transferId > b.transferId ? -1 : 0);

  /**
   * Reads partitions together, newest first, until `want` matches are known complete (above every
   * unfinished partition's position), all are exhausted, or the budget ends. Returns the complete
   * matches and the frontier: everything above it was read in every partition.
   */
  async function readTogether(readers: Reader[], filter: Filter, want: number, budget: Budget): Promise<{ items: TransferItem[]; frontier?: string }> {
    const found: TransferItem[] = [];
    const frontier = () => readers.filter((r) => !r.exhausted).reduce<string | undefined>((max, r) => (max === undefined || r.position > max ? r.position : max), undefined);
    const complete = () => {
      const bound = frontier();
      return bound === undefined ? found : found.filter((item) => item.transferId >= bound);
    };
    while (complete().length < want && readers.some((r) => !r.exhausted) && budgetLeft(budget)) {
      const open = readers.filter((r) => !r.exhausted);
      const perQuery = Math.max(1, Math.min(want + 1, Math.floor((MAX_ITEMS_SCANNED - budget.scanned) / open.length)));
      const batches = await Promise.all(open.map((reader) => readPartition(reader, filter, perQuery, budget)));
      found.push(...batches.flat());
    }
    return { items: complete().sort(newestFirst), frontier: frontier() };
  }

  /** The smallest id a transfer created at `epochMs` can have. */
  const firstIdAt = (epochMs: number) => encodeTime(Math.max(0, epochMs), 10) + "0".repeat(16);

  /** A user's transfers, sent and received, merged newest first. */
  async function fetchByUser(userId: string, before: string, filter: Filter, want: number, budget: Budget) {
    const { transfer } = Dynamo.service().entities;
    const readers: Reader[] = [
      { query: transfer.query.bySender({ senderUserId: userId }), position: before, exhausted: false },
      { query: transfer.query.byReceiver({ receiverUserId: userId }), position: before, exhausted: false },
    ];
    return readTogether(readers, filter, want, budget);
  }

  /**
   * Everyone's transfers, newest first: day by day from the day of `before`, each day's shards
   * read together, until enough are found, the window ends or the budget does.
   */
  async function fetchRecent(before: string, filter: Filter, want: number, untilMs: number, budget: Budget) {
    const { transfer } = Dynamo.service().entities;
    const found: TransferItem[] = [];
    // A position can never lie ahead of the clock (plus skew): no scan of empty future days.
    let dayMs = Math.min(before === ABOVE_EVERY_ID ? Date.now() + CLOCK_SKEW_MS : decodeTime(before), Date.now() + CLOCK_SKEW_MS);
    let position = before;
    while (found.length < want && recentBucket(dayMs) >= recentBucket(untilMs)) {
      if (!budgetLeft(budget)) return { items: found, frontier: position };
      const bucket = recentBucket(dayMs);
      const readers: Reader[] = Array.from({ length: RECENT_SHARDS }, (_, shard) => ({
        query: transfer.query.recent({ bucket, shard }),
        position,
        exhausted: false,
      }));
      const day = await readTogether(readers, filter, want - found.length, budget);
      found.push(...day.items);
      if (day.frontier !== undefined) return { items: found, frontier: day.frontier };
      // This day is read completely: continue below its first possible id.
      const dayStart = Date.parse(`${bucket}T00:00:00.000Z`);
      position = firstIdAt(dayStart);
      dayMs = dayStart - 1;
    }
    return { items: found, frontier: found.length >= want ? position : undefined };
  }

  /** A page from what was read: `limit` items, and a cursor if there may be more. */
  function toPage(read: { items: TransferItem[]; frontier?: string }, limit: number, query: string): { items: Info[]; cursor?: string } {
    const shown = read.items.slice(0, limit);
    const more = read.items.length > limit;
    const next = more ? shown.at(-1)!.transferId : read.frontier;
    return { items: shown.map(toInfo), ...(next !== undefined ? { cursor: encodeCursor(next, query) } : {}) };
  }

  export const ListInput = z.object({
    userId: z.optional(UserId),
    status: Status.optional(),
    cursor: z.string().optional(),
    limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
  });

  /**
   * With userId: that user's sent and received transfers; without: everyone's recent ones
   * (the last RECENT_WINDOW_DAYS). Newest first; `cursor` is opaque and continues the list.
   * Bounded work per call: a page may be short (even empty) and still carry a cursor.
   */
  export const list = fn(ListInput, async (input): Promise<{ items: Info[]; cursor?: string }> => {
    const query = `list\n${input.userId ?? ""}\n${input.status ?? ""}`;
    const before = input.cursor === undefined ? ABOVE_EVERY_ID : decodeCursor(input.cursor, query);
    const budget: Budget = { scanned: 0, queries: 0 };
    const filter = { status: input.status };
    // One more than asked tells whether a next page exists.
    const read = input.userId
      ? await fetchByUser(input.userId, before, filter, input.limit + 1, budget)
      : await fetchRecent(before, filter, input.limit + 1, Date.now() - RECENT_WINDOW_DAYS * DAY_MS, budget);
    return toPage(read, input.limit, query);
  });

  export const ListStuckInput = z.object({
    /** PROCESSING: a saga that stopped; PENDING: a transfer whose saga never started. */
    status: z.enum(["PENDING", "PROCESSING"]).default("PROCESSING"),
    /** Not updated for at least this long. */
    olderThanMs: z.number().int().min(0),
    limit: z.number().int().min(1).max(1000).default(100),
    /** Continue a scan an earlier call stopped (its `cursor`). */
    cursor: z.string().optional(),
  });

  /**
   * Transfers left in `status` for `olderThanMs` or more (within RECENT_WINDOW_DAYS), newest
   * first, with the same bound on work as `list`: a cursor continues the scan.
   */
  export const listStuckPage = fn(ListStuckInput, async (input): Promise<{ items: Info[]; cursor?: string }> => {
    const now = Date.now();
    const cutoff = now - input.olderThanMs;
    const query = `stuck\n${input.status}\n${input.olderThanMs}`;
    // createdAt <= updatedAt: anything not updated since the cutoff was created before it.
    const before = input.cursor === undefined ? firstIdAt(cutoff) : decodeCursor(input.cursor, query);
    const budget: Budget = { scanned: 0, queries: 0 };
    const read = await fetchRecent(before, { status: input.status, updatedBefore: iso(cutoff) }, input.limit + 1, now - RECENT_WINDOW_DAYS * DAY_MS, budget);
    return toPage(read, input.limit, query);
  });

  /** The first page of `listStuckPage`. */
  export const listStuck = async (input: z.input<typeof ListStuckInput>): Promise<Info[]> => (await listStuckPage(input)).items;

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
