/**
 * Listing transfers, newest first, by user (sent and received) or across everyone (the recent
 * index, one partition per UTC day and shard), and the stuck sweep's scan.
 *
 * Every list request is bounded in work whatever its input: at most MAX_ITEMS_SCANNED items
 * read from the index and MAX_QUERIES_PER_LIST queries. When the bound stops a page early, the
 * page may hold fewer items than asked, with a cursor to continue from where the scan stopped.
 * Cursors are signed (HMAC): the server only continues positions it handed out itself.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { decodeTime, encodeTime } from "ulid";
import * as z from "../util/zod.ts";
import { AppError } from "../error.ts";
import { UserId } from "../user.ts";
import { pageLimit } from "../page.ts";
import { Dynamo } from "./dynamo.ts";
import type { TransferItem } from "./entities.ts";
import type { ListIndex } from "./plans.ts";
import PAGES from "./plans/page.json" with { type: "json" };
import { DAY_MS, RECENT_SHARDS, recentBucket } from "./recent.ts";
import { PlanNames, plansOf, queryPage } from "./store.ts";
import { TransferError } from "./errors.ts";
import type { TransferPage } from "./info.ts";
import { IN_FLIGHT_STATUSES, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, TransferId, TransferStatus, type TransferInfo } from "./record.ts";
import { fn, iso, toInfo } from "./item.ts";

const PAGE = plansOf(PAGES);

/** How far back the cross-user "recent" view (and the stuck sweep) looks. */
export const RECENT_WINDOW_DAYS = 30;
/** The stuck scan's page (the sweep, not a client, asks for it). */
const STUCK_LIMIT_DEFAULT = 100;
const STUCK_LIMIT_MAX = 1000;

// Clocks of writers may run a little ahead of the reader's; look that far into the future.
const CLOCK_SKEW_MS = 5 * 60 * 1000;

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

// A position is an id, or the first id a time can have (`firstIdAt`): both have a ULID's shape.
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
  status?: TransferStatus;
  /** Only transfers last updated before this ISO time (the stuck sweep). */
  updatedBefore?: string;
}

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
  /** A partition of an index sorted by transferId (bySender, byReceiver and recent are alike). */
  index: ListIndex;
  key: { userId: string } | { bucket: string; shard: number };
  /** Everything at or above this id was read. */
  position: string;
  exhausted: boolean;
}

/** One DynamoDB Query of at most `limit` items below the reader's position. */
async function readPartition(reader: Reader, filter: Filter, limit: number, budget: Budget): Promise<TransferItem[]> {
  budget.queries += 1;
  const name = PlanNames.page(reader.index, filter);
  const plan = PAGE[name as keyof typeof PAGES];
  if (!plan) throw new Error(`no access plan ${name} (pnpm run access-plans compiles the pages list.ts reads)`);
  // `limit` is DynamoDB's Limit: items evaluated, before the filter. One page only.
  const page = await queryPage(plan, { ...reader.key, ...filter, position: reader.position, limit });
  budget.scanned += page.scanned;
  const last = page.lastKey && Object.values(page.lastKey).map(String).join(" ").match(ID_IN_KEY)?.[1];
  if (last) reader.position = last;
  else reader.exhausted = true;
  return page.items as TransferItem[];
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
  const readers: Reader[] = [
    { index: "bySender", key: { userId }, position: before, exhausted: false },
    { index: "byReceiver", key: { userId }, position: before, exhausted: false },
  ];
  return readTogether(readers, filter, want, budget);
}

/**
 * Everyone's transfers, newest first: day by day from the day of `before`, each day's shards
 * read together, until enough are found, the window ends or the budget does.
 */
async function fetchRecent(before: string, filter: Filter, want: number, untilMs: number, budget: Budget) {
  const found: TransferItem[] = [];
  // A position can never lie ahead of the clock (plus skew): no scan of empty future days.
  let dayMs = Math.min(before === ABOVE_EVERY_ID ? Date.now() + CLOCK_SKEW_MS : decodeTime(before), Date.now() + CLOCK_SKEW_MS);
  let position = before;
  while (found.length < want && recentBucket(dayMs) >= recentBucket(untilMs)) {
    if (!budgetLeft(budget)) return { items: found, frontier: position };
    const bucket = recentBucket(dayMs);
    const readers: Reader[] = Array.from({ length: RECENT_SHARDS }, (_, shard) => ({
      index: "recent",
      key: { bucket, shard },
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
function toPage(read: { items: TransferItem[]; frontier?: string }, limit: number, query: string): TransferPage {
  const shown = read.items.slice(0, limit);
  const more = read.items.length > limit;
  const next = more ? shown.at(-1)!.transferId : read.frontier;
  return { items: shown.map(toInfo), ...(next !== undefined ? { cursor: encodeCursor(next, query) } : {}) };
}

export const ListInput = z.object({
  userId: z.optional(UserId),
  status: z.optional(TransferStatus),
  cursor: z.optional(z.string()),
  limit: pageLimit(LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT),
});

/**
 * With userId: that user's sent and received transfers; without: everyone's recent ones
 * (the last RECENT_WINDOW_DAYS). Newest first; `cursor` is opaque and continues the list.
 * Bounded work per call: a page may be short (even empty) and still carry a cursor.
 */
export const list = fn(ListInput, async (input): Promise<TransferPage> => {
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
  status: z._default(z.enum(IN_FLIGHT_STATUSES), "PROCESSING"),
  /** Not updated for at least this long. */
  olderThanMs: z.number().check(z.int(), z.minimum(0)),
  limit: pageLimit(STUCK_LIMIT_MAX, STUCK_LIMIT_DEFAULT),
  /** Continue a scan an earlier call stopped (its `cursor`). */
  cursor: z.optional(z.string()),
});

/**
 * Transfers left in `status` for `olderThanMs` or more (within RECENT_WINDOW_DAYS), newest
 * first, with the same bound on work as `list`: a cursor continues the scan.
 */
export const listStuckPage = fn(ListStuckInput, async (input): Promise<TransferPage> => {
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
export const listStuck = async (input: z.input<typeof ListStuckInput>): Promise<TransferInfo[]> => (await listStuckPage(input)).items;
