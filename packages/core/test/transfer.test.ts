/**
 * The transfer module against real DynamoDB Local: this file's own table (created by the
 * harness in packages/local/test/setup-env.ts). Nothing here is mocked; commands are only
 * observed on their way out, to check how many requests an operation makes.
 */
import { createHash } from "node:crypto";
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { decodeTime } from "ulid";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "../src/error.ts";
import { DAY_MS, Dynamo, RECENT_SHARDS } from "../src/transfer/entities.ts";
import { TRANSFER_ENTITY, IDEMPOTENCY_ENTITY } from "../src/transfer/table.ts";
import { RECENT_WINDOW_DAYS, Transfer, TransferError } from "../src/transfer/transfer.ts";
import type { HistoryOutcome, HistoryStep } from "../src/transfer/info.ts";

const doc = DynamoDBDocumentClient.from(Dynamo.client());
let counter = 0;
/** A user id no other test uses, so lists only see this test's transfers. */
const user = (name: string) => `${name}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const key = () => `key-${++counter}-${Math.random().toString(36).slice(2)}`;
const at = () => new Date().toISOString();

async function create(request: Record<string, unknown>, idempotencyKey = key(), scope = "public") {
  return Transfer.create({ scope, idempotencyKey, request });
}

async function newTransfer(sender = user("s"), receiver = user("r"), amount = "10.00") {
  return (await create({ senderUserId: sender, receiverUserId: receiver, amount })).transfer;
}

async function scanAll(): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let ExclusiveStartKey: Record<string, any> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: Dynamo.tableName(), ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
const transferItems = async () => (await scanAll()).filter((item) => item.__edb_e__ === TRANSFER_ENTITY);

/** Runs `run` and returns the DynamoDB commands it sent (name and input). */
async function observe<T>(run: () => Promise<T>): Promise<{ result: T; sent: { name: string; input: any }[] }> {
  const sent: { name: string; input: any }[] = [];
  const client = Dynamo.client();
  const name = `observe-${++counter}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ name: context.commandName ?? "?", input: args.input });
      return next(args);
    },
    { step: "initialize", name },
  );
  try {
    return { result: await run(), sent };
  } finally {
    client.middlewareStack.remove(name);
  }
}

/** The AppError a promise rejects with (fails the test if it resolves or throws something else). */
async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Transfer.create", () => {
  it("writes the idempotency item and the PENDING transfer in ONE conditional TransactWriteItems", async () => {
    const senderUserId = user("alice");
    const receiverUserId = user("bob");
    const idempotencyKey = key();
    const { result, sent } = await observe(() =>
      Transfer.create({ scope: "public", idempotencyKey, request: { senderUserId, receiverUserId, amount: "12.3" } }),
    );

    expect(sent.map((c) => c.name)).toEqual(["TransactWriteItemsCommand"]);
    const items = sent[0]!.input.TransactItems as { Put: { ConditionExpression: string; Item: Record<string, any> } }[];
    expect(items).toHaveLength(2);
    for (const item of items) expect(item.Put.ConditionExpression).toMatch(/attribute_not_exists\(#pk\)/);
    // Observed on the wire (the bare client): attribute values are marshalled.
    expect(items.map((i) => i.Put.Item.__edb_e__.S).sort()).toEqual([IDEMPOTENCY_ENTITY, TRANSFER_ENTITY]);

    const { transfer, replayed } = result;
    expect(replayed).toBe(false);
    expect(transfer).toMatchObject({
      senderUserId,
      receiverUserId,
      amount: "12.30",
      currency: "EUR",
      status: "PENDING",
      compensating: false,
      history: [{ step: "created", outcome: "pending", at: transfer.createdAt }],
    });
    expect(Transfer.Info.parse(transfer)).toEqual(transfer);
    expect(transfer.updatedAt).toBe(transfer.createdAt);
    expect(Date.parse(transfer.createdAt)).toBe(decodeTime(transfer.transferId));

    // Both items are in the table, and the idempotency item points to the transfer.
    const stored = await doc.send(
      new GetCommand({ TableName: Dynamo.tableName(), Key: { pk: `$ewallet#transferId_${transfer.transferId}`, sk: "$transfer_1" }, ConsistentRead: true }),
    );
    expect(stored.Item).toMatchObject({ __edb_e__: TRANSFER_ENTITY, status: "PENDING", amount: "12.30" });
    const idempotency = await doc.send(
      new GetCommand({ TableName: Dynamo.tableName(), Key: { pk: `$ewallet#key_public#${idempotencyKey}`, sk: "$idempotency_1" }, ConsistentRead: true }),
    );
    const canonical = JSON.stringify([senderUserId, receiverUserId, "12.30", "EUR"]);
    expect(idempotency.Item).toMatchObject({
      __edb_e__: IDEMPOTENCY_ENTITY,
      transferId: transfer.transferId,
      scope: "public",
      idempotencyKey,
      fingerprint: createHash("sha256").update(canonical).digest("hex"),
    });
    expect(await Transfer.get(transfer.transferId)).toEqual(transfer);
  });

  it("replays the original transfer for the same key and the same request", async () => {
    const idempotencyKey = key();
    const senderUserId = user("alice");
    const receiverUserId = user("bob");
    const first = await create({ senderUserId, receiverUserId, amount: "5" }, idempotencyKey);
    // Same request once parsed: another key order, another spelling of the amount.
    const second = await create({ amount: "5.00", receiverUserId, senderUserId }, idempotencyKey);
    expect(first.replayed).toBe(false);
    expect(second).toEqual({ transfer: first.transfer, replayed: true });
    expect((await Transfer.list({ userId: senderUserId })).items.map((t) => t.transferId)).toEqual([first.transfer.transferId]);

    // A key is scoped to its caller: the same key for another scope is another transfer.
    const other = await create({ senderUserId, receiverUserId, amount: "5" }, idempotencyKey, "someone-else");
    expect(other.replayed).toBe(false);
    expect(other.transfer.transferId).not.toBe(first.transfer.transferId);
  });

  it("returns the transfer's current state on replay", async () => {
    const idempotencyKey = key();
    const request = { senderUserId: user("a"), receiverUserId: user("b"), amount: "1.00" };
    const { transfer } = await create(request, idempotencyKey);
    await Transfer.start({ transferId: transfer.transferId, executionId: "exec-1" });
    const replay = await create(request, idempotencyKey);
    expect(replay.replayed).toBe(true);
    expect(replay.transfer.status).toBe("PROCESSING");
  });

  it("refuses the same key with a different request (IDEMPOTENCY_KEY_REUSED) and writes nothing", async () => {
    const idempotencyKey = key();
    const senderUserId = user("alice");
    const receiverUserId = user("bob");
    await create({ senderUserId, receiverUserId, amount: "5.00" }, idempotencyKey);
    const before = await scanAll();
    const error = await refusal(create({ senderUserId, receiverUserId, amount: "5.01" }, idempotencyKey));
    expect(error).toMatchObject({ kind: "conflict", code: TransferError.IDEMPOTENCY_KEY_REUSED, name: "IDEMPOTENCY_KEY_REUSED" });
    const another = await refusal(create({ senderUserId, receiverUserId: user("carol"), amount: "5.00" }, idempotencyKey));
    expect(another.code).toBe(TransferError.IDEMPOTENCY_KEY_REUSED);
    expect(await scanAll()).toHaveLength(before.length);
  });

  it("makes ONE transfer out of 20 concurrent creates with one key", async () => {
    const idempotencyKey = key();
    const request = { senderUserId: user("alice"), receiverUserId: user("bob"), amount: "7.00" };
    const results = await Promise.all(Array.from({ length: 20 }, () => create(request, idempotencyKey)));
    const ids = new Set(results.map((r) => r.transfer.transferId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const stored = (await transferItems()).filter((item) => item.senderUserId === request.senderUserId);
    expect(stored).toHaveLength(1);
    const keys = (await scanAll()).filter((item) => item.idempotencyKey === idempotencyKey);
    expect(keys).toHaveLength(1);
  });

  it("lets one of two different requests racing for one key win; the other is refused", async () => {
    const idempotencyKey = key();
    const senderUserId = user("alice");
    const a = { senderUserId, receiverUserId: user("bob"), amount: "1.00" };
    const b = { ...a, amount: "2.00" };
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => create(i % 2 ? a : b, idempotencyKey)));
    const created = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const refused = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as AppError] : []));
    expect(new Set(created.map((c) => c.transfer.transferId)).size).toBe(1);
    expect(created.length).toBe(10);
    expect(refused.map((e) => e.code)).toEqual(Array(10).fill(TransferError.IDEMPOTENCY_KEY_REUSED));
    expect((await transferItems()).filter((item) => item.senderUserId === senderUserId)).toHaveLength(1);
  });

  const valid = { senderUserId: "alice", receiverUserId: "bob", amount: "10.00" };
  it.each([
    ["the same sender and receiver", { ...valid, receiverUserId: "alice" }, [["receiverUserId"]]],
    ["too many decimals", { ...valid, amount: "1.234" }, [["amount"]]],
    ["a number amount", { ...valid, amount: 12.34 }, [["amount"]]],
    ["a zero amount", { ...valid, amount: "0.00" }, [["amount"]]],
    ["a negative amount", { ...valid, amount: "-1.00" }, [["amount"]]],
    ["a missing sender", { receiverUserId: "bob", amount: "1.00" }, [["senderUserId"]]],
    ["a malformed receiver", { ...valid, receiverUserId: "bob smith" }, [["receiverUserId"]]],
    ["an unknown field", { ...valid, currency: "USD" }, [[]]],
    ["several problems", { senderUserId: "", amount: "abc" }, [["senderUserId"], ["receiverUserId"], ["amount"]]],
    ["no object at all", null, [[]]],
  ])("rejects %s with field paths and writes nothing", async (_, request, paths) => {
    const before = await scanAll();
    const error = await refusal(create(request as Record<string, unknown>));
    expect(error).toMatchObject({ kind: "validation", code: TransferError.INVALID_TRANSFER_REQUEST });
    const issues = error.details as { path: PropertyKey[]; message: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(paths);
    for (const issue of issues) expect(issue.message).toBeTruthy();
    expect(await scanAll()).toHaveLength(before.length);
  });

  it("names the receiver when it equals the sender", async () => {
    const error = await refusal(create({ ...valid, receiverUserId: "alice" }));
    expect(error.message).toMatch(/receiverUserId: receiverUserId must differ from senderUserId/);
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(256)],
    ["with a control character", "key\tone"],
    ["non-ASCII", "clé"],
    ["not a string", 42],
  ])("rejects an idempotency key that is %s, writing nothing", async (_, idempotencyKey) => {
    const before = await scanAll();
    const error = await refusal(Transfer.create({ scope: "public", idempotencyKey: idempotencyKey as string, request: valid }));
    expect(error).toMatchObject({ kind: "validation", code: TransferError.INVALID_IDEMPOTENCY_KEY });
    expect(await scanAll()).toHaveLength(before.length);
  });

  it("accepts a 255-character printable key (no comma: repeated headers are joined by one), and keys that differ only in case are different keys", async () => {
    const long = `${key()}~ !"#$%&'()*+-./:;<=>?@[\\]^_\`{|}`.padEnd(255, "x");
    const request = { senderUserId: user("a"), receiverUserId: user("b"), amount: "1.00" };
    expect((await create(request, long)).replayed).toBe(false);
    const base = key();
    const upper = await create(request, `${base}-K`);
    const lower = await create(request, `${base}-k`);
    expect(upper.transfer.transferId).not.toBe(lower.transfer.transferId);
    expect(await refusal(create(request, `${base}-A, ${base}-B`))).toMatchObject({ code: TransferError.INVALID_IDEMPOTENCY_KEY });
  });
});

describe("Transfer.get", () => {
  it("returns undefined for an unknown or malformed id", async () => {
    expect(await Transfer.get("01KAZ00000000000000000000A")).toBeUndefined();
    expect(await Transfer.get("not-an-id")).toBeUndefined();
    expect(await Transfer.get("")).toBeUndefined();
  });
});

describe("Transfer.list by user", () => {
  it("merges sent and received transfers, newest first, and pages with a cursor", async () => {
    const me = user("me");
    const t1 = await newTransfer(me, user("x"));
    const t2 = await newTransfer(user("y"), me);
    const t3 = await newTransfer(me, user("z"));
    const t4 = await newTransfer(user("w"), me);
    await newTransfer(user("other"), user("another")); // not mine

    const all = await Transfer.list({ userId: me });
    expect(all.items.map((t) => t.transferId)).toEqual([t4, t3, t2, t1].map((t) => t.transferId));
    expect(all.cursor).toBeUndefined();

    const page1 = await Transfer.list({ userId: me, limit: 3 });
    expect(page1.items.map((t) => t.transferId)).toEqual([t4, t3, t2].map((t) => t.transferId));
    expect(page1.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const page2 = await Transfer.list({ userId: me, limit: 3, cursor: page1.cursor });
    expect(page2.items.map((t) => t.transferId)).toEqual([t1.transferId]);
    expect(page2.cursor).toBeUndefined();

    // An exact fit has no next page.
    const exact = await Transfer.list({ userId: me, limit: 4 });
    expect(exact.items).toHaveLength(4);
    expect(exact.cursor).toBeUndefined();
  });

  it("filters by status, across pages", async () => {
    const me = user("me");
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await newTransfer(i % 2 ? me : user("s"), i % 2 ? user("r") : me)).transferId);
    // Oldest first in `ids`; succeed the 2nd and 5th.
    for (const id of [ids[1]!, ids[4]!]) {
      await Transfer.start({ transferId: id, executionId: `exec-${id}` });
      await Transfer.succeed({ transferId: id });
    }
    const succeeded = await Transfer.list({ userId: me, status: "SUCCEEDED" });
    expect(succeeded.items.map((t) => t.transferId)).toEqual([ids[4], ids[1]]);
    expect(succeeded.items.every((t) => t.status === "SUCCEEDED")).toBe(true);

    const pending: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await Transfer.list({ userId: me, status: "PENDING", limit: 1, cursor });
      pending.push(...page.items.map((t) => t.transferId));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pending).toEqual([ids[5], ids[3], ids[2], ids[0]]);
    expect(pages).toBe(4);
    expect((await Transfer.list({ userId: me, status: "FAILED" })).items).toEqual([]);
  });

  it("keeps user ids case-sensitive", async () => {
    const base = user("case");
    const upper = await newTransfer(`${base}X`, user("r"));
    const lower = await newTransfer(`${base}x`, user("r"));
    expect((await Transfer.list({ userId: `${base}X` })).items.map((t) => t.transferId)).toEqual([upper.transferId]);
    expect((await Transfer.list({ userId: `${base}x` })).items.map((t) => t.transferId)).toEqual([lower.transferId]);
  });

  it("rejects bad queries", async () => {
    expect((await refusal(Transfer.list({ limit: 0 }))).code).toBe(TransferError.INVALID_INPUT);
    expect((await refusal(Transfer.list({ limit: 101 }))).code).toBe(TransferError.INVALID_INPUT);
    expect((await refusal(Transfer.list({ userId: "no spaces" }))).code).toBe(TransferError.INVALID_INPUT);
    expect((await refusal(Transfer.list({ status: "DONE" as never }))).code).toBe(TransferError.INVALID_INPUT);
    for (const cursor of ["garbage", "", Buffer.from('{"after":"nope"}').toString("base64url")]) {
      const error = await refusal(Transfer.list({ cursor }));
      expect(error).toMatchObject({ kind: "validation", code: TransferError.INVALID_CURSOR });
    }
    expect((await Transfer.list({ limit: 100 })).items.length).toBeLessThanOrEqual(100);
  });
});

describe("Transfer.list across everyone (recent)", () => {
  /** Creates a transfer as if it were `epochMs` now (only Date is faked; timers stay real). */
  async function createAt(epochMs: number, sender: string) {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(epochMs);
    try {
      return await newTransfer(sender, user("r"));
    } finally {
      vi.useRealTimers();
    }
  }

  async function listAll(limit: number, status?: Transfer.Status) {
    const pages: Transfer.Info[][] = [];
    let cursor: string | undefined;
    do {
      const page = await Transfer.list({ limit, status, cursor });
      pages.push(page.items);
      cursor = page.cursor;
    } while (cursor);
    return pages;
  }

  it("merges every shard of every day, newest first, and pages across days", async () => {
    const me = user("recent");
    const now = Date.now();
    const tooOld = await createAt(now - (RECENT_WINDOW_DAYS + 10) * DAY_MS, me);
    const tenDays = await createAt(now - 10 * DAY_MS, me);
    const threeDaysA = await createAt(now - 3 * DAY_MS, me);
    const threeDaysB = await createAt(now - 3 * DAY_MS + 1000, me);
    const today: Transfer.Info[] = [];
    for (let i = 0; i < 12; i++) today.push(await newTransfer(me, user("r")));

    const pages = await listAll(5);
    const listed = pages.flat().map((t) => t.transferId);
    // Bounded work per request: a page may stop short (with a cursor), never run long.
    expect(pages.every((page) => page.length <= 5)).toBe(true);
    // Strictly newest first over all pages, no duplicates.
    expect(listed).toEqual([...listed].sort().reverse());
    expect(new Set(listed).size).toBe(listed.length);
    // Mine, in order; the one older than the window is not in the recent view...
    const mine = new Set([tooOld, tenDays, threeDaysA, threeDaysB, ...today].map((t) => t.transferId));
    expect(listed.filter((id) => mine.has(id))).toEqual(
      [...today.reverse(), threeDaysB, threeDaysA, tenDays].map((t) => t.transferId),
    );
    // ...but still in the user's own list.
    expect((await Transfer.list({ userId: me })).items.at(-1)?.transferId).toBe(tooOld.transferId);
    // Everything else in the table within the window is listed too.
    const windowStart = now - RECENT_WINDOW_DAYS * DAY_MS;
    const expected = (await transferItems()).filter((item) => Date.parse(item.createdAt) >= windowStart + DAY_MS);
    for (const item of expected) expect(listed).toContain(item.transferId);

    // Today's transfers were spread over several shards (a shard is a partition of the index).
    const shards = new Set((await transferItems()).filter((i) => mine.has(i.transferId)).map((i) => i.shard));
    expect(shards.size).toBeGreaterThan(1);
    for (const shard of shards) expect(shard).toBeLessThan(RECENT_SHARDS);
  });

  it("filters by status across shards and pages", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await newTransfer();
      await Transfer.start({ transferId: t.transferId, executionId: "e" });
      await Transfer.fail({ transferId: t.transferId, reason: "TEST", message: "failed for the test" });
      ids.push(t.transferId);
    }
    const pages = await listAll(2, "FAILED");
    const failed = pages.flat();
    expect(failed.every((t) => t.status === "FAILED")).toBe(true);
    expect(failed.map((t) => t.transferId).slice(0, 5)).toEqual(ids.reverse());
  });

  it("lists transfers stuck in a status for longer than a given time", async () => {
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    const stuck = await createAt(tenMinutesAgo, user("stuck"));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(tenMinutesAgo + 1000);
    await Transfer.start({ transferId: stuck.transferId, executionId: "lost" });
    vi.useRealTimers();
    const neverStarted = await createAt(tenMinutesAgo, user("pending"));
    const fresh = await newTransfer();
    await Transfer.start({ transferId: fresh.transferId, executionId: "busy" });

    const processing = (await Transfer.listStuck({ olderThanMs: 5 * 60_000 })).map((t) => t.transferId);
    expect(processing).toContain(stuck.transferId);
    expect(processing).not.toContain(fresh.transferId);
    expect(processing).not.toContain(neverStarted.transferId);
    expect((await Transfer.listStuck({ olderThanMs: 20 * 60_000 })).map((t) => t.transferId)).not.toContain(stuck.transferId);
    const pending = await Transfer.listStuck({ status: "PENDING", olderThanMs: 5 * 60_000 });
    expect(pending.map((t) => t.transferId)).toContain(neverStarted.transferId);
    expect(pending.every((t) => t.status === "PENDING")).toBe(true);
  });
});

describe("saga transitions", () => {
  const entry = (step: HistoryStep, outcome: HistoryOutcome = "started") => ({ step, outcome, at: at() });

  async function processing(executionId = "exec-1") {
    const t = await newTransfer();
    return Transfer.start({ transferId: t.transferId, executionId, history: [entry("process", "started")] });
  }

  it("start: PENDING → PROCESSING for one execution; its retry succeeds without a second entry; others are refused", async () => {
    const t = await newTransfer();
    const started = await Transfer.start({ transferId: t.transferId, executionId: "exec-1", history: [entry("process", "started")] });
    expect(started).toMatchObject({ status: "PROCESSING", executionId: "exec-1" });
    expect(started.history.map((h) => h.step)).toEqual(["created", "process"]);
    expect(started.updatedAt >= started.createdAt).toBe(true);

    // A retry after the commit: one request (the refused update itself), same state, no duplicate entry.
    const { result: retried, sent } = await observe(() =>
      Transfer.start({ transferId: t.transferId, executionId: "exec-1", history: [entry("process", "started")] }),
    );
    expect(retried).toEqual(started);
    expect(sent.map((c) => c.name)).toEqual(["UpdateItemCommand"]);
    expect(sent[0]!.input.ConditionExpression).toMatch(/#status = :status0/);

    // A duplicate delivery of the stream record starts another execution: it stops here.
    const duplicate = await refusal(Transfer.start({ transferId: t.transferId, executionId: "exec-2" }));
    expect(duplicate).toMatchObject({ kind: "business", code: TransferError.TRANSFER_ALREADY_STARTED, name: "TRANSFER_ALREADY_STARTED" });
    expect(await Transfer.get(t.transferId)).toEqual(started);
  });

  it("start: of 10 racing executions exactly one wins", async () => {
    const t = await newTransfer();
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => Transfer.start({ transferId: t.transferId, executionId: `exec-${i}`, history: [entry("process")] })),
    );
    const won = settled.filter((s) => s.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const s of settled) if (s.status === "rejected") expect((s.reason as AppError).code).toBe(TransferError.TRANSFER_ALREADY_STARTED);
    const current = await Transfer.get(t.transferId);
    expect(current?.history.filter((h) => h.step === "process")).toHaveLength(1);
  });

  it("refuses every move on an unknown transfer, and malformed input", async () => {
    const transferId = "01KAZ00000000000000000000A";
    for (const move of [
      () => Transfer.start({ transferId, executionId: "e" }),
      () => Transfer.succeed({ transferId }),
      () => Transfer.beginCompensation({ transferId, reason: "R", message: "m" }),
      () => Transfer.fail({ transferId, reason: "R", message: "m" }),
      () => Transfer.requireAttention({ transferId, reason: "R", message: "m" }),
    ]) {
      expect(await refusal(move())).toMatchObject({ kind: "not_found", code: TransferError.TRANSFER_NOT_FOUND });
    }
    expect((await refusal(Transfer.start({ transferId: "nope", executionId: "e" }))).code).toBe(TransferError.INVALID_INPUT);
    expect((await refusal(Transfer.start({ transferId, executionId: "" }))).code).toBe(TransferError.INVALID_INPUT);
    const bad = await refusal(Transfer.succeed({ transferId, history: [{ step: "complete", outcome: "succeeded", at: "yesterday" }] }));
    expect(bad.details).toMatchObject([{ path: ["history", 0, "at"] }]);
  });

  it("succeed: PROCESSING → SUCCEEDED; a retry succeeds; PENDING cannot succeed", async () => {
    const pending = await newTransfer();
    expect((await refusal(Transfer.succeed({ transferId: pending.transferId }))).code).toBe(TransferError.TRANSFER_NOT_SUCCEEDABLE);

    const t = await processing();
    const done = await Transfer.succeed({ transferId: t.transferId, history: [entry("debit", "applied"), entry("credit", "applied"), entry("complete", "succeeded")] });
    expect(done).toMatchObject({ status: "SUCCEEDED", compensating: false });
    expect(done.history.map((h) => h.step)).toEqual(["created", "process", "debit", "credit", "complete"]);
    expect(await Transfer.succeed({ transferId: t.transferId, history: [entry("complete")] })).toEqual(done);
  });

  it("fence: after beginCompensation, succeed can never win", async () => {
    const t = await processing();
    const fenced = await Transfer.beginCompensation({
      transferId: t.transferId,
      reason: "ACCOUNT_NOT_FOUND",
      message: "no receiver",
      history: [entry("compensate", "started")],
    });
    expect(fenced).toMatchObject({ status: "PROCESSING", compensating: true, failureReason: "ACCOUNT_NOT_FOUND", failureMessage: "no receiver" });

    // Retried: success, nothing appended twice.
    expect(await Transfer.beginCompensation({ transferId: t.transferId, reason: "ACCOUNT_NOT_FOUND", message: "no receiver", history: [entry("compensate")] })).toEqual(fenced);

    const late = await refusal(Transfer.succeed({ transferId: t.transferId, history: [entry("complete")] }));
    expect(late).toMatchObject({ kind: "business", code: TransferError.TRANSFER_NOT_SUCCEEDABLE });
    expect(await Transfer.get(t.transferId)).toEqual(fenced);

    const failed = await Transfer.fail({ transferId: t.transferId, reason: "ACCOUNT_NOT_FOUND", message: "refunded", history: [entry("refund", "applied"), entry("fail", "failed")] });
    expect(failed).toMatchObject({ status: "FAILED", compensating: true, failureReason: "ACCOUNT_NOT_FOUND", failureMessage: "refunded" });
    expect(failed.history.map((h) => h.step)).toEqual(["created", "process", "compensate", "refund", "fail"]);
  });

  it("fence: after succeed, beginCompensation is refused with TRANSFER_ALREADY_SUCCEEDED", async () => {
    const t = await processing();
    const done = await Transfer.succeed({ transferId: t.transferId });
    const error = await refusal(Transfer.beginCompensation({ transferId: t.transferId, reason: "TIMEOUT", message: "late" }));
    expect(error).toMatchObject({ kind: "business", code: TransferError.TRANSFER_ALREADY_SUCCEEDED });
    expect(await Transfer.get(t.transferId)).toEqual(done);
  });

  it("fence: when succeed and beginCompensation race, exactly one wins", async () => {
    for (let i = 0; i < 10; i++) {
      const t = await processing();
      const [succeeded, compensated] = await Promise.allSettled([
        Transfer.succeed({ transferId: t.transferId, history: [entry("complete")] }),
        Transfer.beginCompensation({ transferId: t.transferId, reason: "TIMEOUT", message: "m", history: [entry("compensate")] }),
      ]);
      expect([succeeded.status, compensated.status].sort()).toEqual(["fulfilled", "rejected"]);
      const final = await Transfer.get(t.transferId);
      if (succeeded.status === "fulfilled") {
        expect(final).toMatchObject({ status: "SUCCEEDED", compensating: false });
        expect((compensated as PromiseRejectedResult).reason.code).toBe(TransferError.TRANSFER_ALREADY_SUCCEEDED);
      } else {
        expect(final).toMatchObject({ status: "PROCESSING", compensating: true });
        expect(succeeded.reason.code).toBe(TransferError.TRANSFER_NOT_SUCCEEDABLE);
      }
    }
  });

  it("fail: PENDING or PROCESSING → FAILED; a retry succeeds; SUCCEEDED is refused", async () => {
    const pending = await newTransfer();
    const failedEarly = await Transfer.fail({ transferId: pending.transferId, reason: "STEP_STATES_TASKFAILED", message: "could not start" });
    expect(failedEarly).toMatchObject({ status: "FAILED", failureReason: "STEP_STATES_TASKFAILED" });

    const t = await processing();
    const failed = await Transfer.fail({ transferId: t.transferId, reason: "INSUFFICIENT_FUNDS", message: "balance too low", history: [entry("fail", "failed")] });
    expect(failed).toMatchObject({ status: "FAILED", failureReason: "INSUFFICIENT_FUNDS", failureMessage: "balance too low", compensating: false });
    expect(await Transfer.fail({ transferId: t.transferId, reason: "INSUFFICIENT_FUNDS", message: "again", history: [entry("fail")] })).toEqual(failed);

    const done = await processing().then((p) => Transfer.succeed({ transferId: p.transferId }));
    const error = await refusal(Transfer.fail({ transferId: done.transferId, reason: "LATE", message: "too late" }));
    expect(error).toMatchObject({ kind: "business", code: TransferError.TRANSFER_ALREADY_SUCCEEDED });
  });

  it("requireAttention: PROCESSING → REQUIRES_ATTENTION; a retry succeeds; PENDING is refused", async () => {
    const pending = await newTransfer();
    expect((await refusal(Transfer.requireAttention({ transferId: pending.transferId, reason: "R", message: "m" }))).code).toBe(
      TransferError.TRANSFER_INVALID_TRANSITION,
    );

    const t = await processing();
    await Transfer.beginCompensation({ transferId: t.transferId, reason: "TIMEOUT", message: "credit timed out" });
    const attention = await Transfer.requireAttention({
      transferId: t.transferId,
      reason: "REVERSAL_IMPOSSIBLE",
      message: "receiver spent the money",
      history: [entry("fail", "requires attention")],
    });
    expect(attention).toMatchObject({ status: "REQUIRES_ATTENTION", failureReason: "REVERSAL_IMPOSSIBLE", compensating: true });
    expect(await Transfer.requireAttention({ transferId: t.transferId, reason: "REVERSAL_IMPOSSIBLE", message: "again" })).toEqual(attention);
  });

  it("beginCompensation needs a PROCESSING transfer", async () => {
    const pending = await newTransfer();
    expect((await refusal(Transfer.beginCompensation({ transferId: pending.transferId, reason: "R", message: "m" }))).code).toBe(
      TransferError.TRANSFER_INVALID_TRANSITION,
    );
  });

  it("terminal transfers never move", async () => {
    const succeeded = await processing().then((t) => Transfer.succeed({ transferId: t.transferId }));
    const failed = await processing().then((t) => Transfer.fail({ transferId: t.transferId, reason: "R", message: "m" }));
    const attention = await processing().then((t) => Transfer.requireAttention({ transferId: t.transferId, reason: "R", message: "m" }));

    for (const terminal of [succeeded, failed, attention]) {
      const transferId = terminal.transferId;
      const moves: [string, () => Promise<unknown>][] = [
        ["start", () => Transfer.start({ transferId, executionId: "exec-1", history: [entry("complete")] })],
        ["start (other execution)", () => Transfer.start({ transferId, executionId: "exec-9", history: [entry("complete")] })],
        ["beginCompensation", () => Transfer.beginCompensation({ transferId, reason: "X", message: "x", history: [entry("complete")] })],
        ["succeed", () => Transfer.succeed({ transferId, history: [entry("complete")] })],
        ["fail", () => Transfer.fail({ transferId, reason: "X", message: "x", history: [entry("complete")] })],
        ["requireAttention", () => Transfer.requireAttention({ transferId, reason: "X", message: "x", history: [entry("complete")] })],
      ];
      for (const [name, move] of moves) {
        // Only the move that made this state succeeds again (idempotently); everything else is refused.
        const same =
          (name === "succeed" && terminal.status === "SUCCEEDED") ||
          (name === "fail" && terminal.status === "FAILED") ||
          (name === "requireAttention" && terminal.status === "REQUIRES_ATTENTION");
        if (same) expect(await move()).toEqual(terminal);
        else expect((await refusal(move())).kind).toBe("business");
        expect(await Transfer.get(transferId)).toEqual(terminal);
      }
    }
  });

  it("keeps long failure texts short instead of refusing them", async () => {
    const t = await processing();
    const failed = await Transfer.fail({
      transferId: t.transferId,
      reason: "R".repeat(500),
      message: "m".repeat(50_000),
      history: [{ step: "fail", outcome: "failed", at: at(), detail: "d".repeat(50_000) }],
    });
    expect(failed.failureReason?.length).toBe(128);
    expect(failed.failureMessage?.length).toBe(1000);
    expect(failed.history.at(-1)?.detail?.length).toBe(1000);
  });

  it("reads an item written before history had typed fields: its `detail` text comes back as it was", async () => {
    const t = await newTransfer();
    // What the saga wrote before issue 13: amounts, replays and errors as text in `detail`.
    const legacy = [
      { step: "created", outcome: "pending", at: t.createdAt },
      { step: "debit", outcome: "applied", at: at(), detail: "10.00, replayed from inbox" },
      { step: "credit", outcome: "error", at: at(), detail: "ACCOUNT_NOT_FOUND: no wallet account for user nobody" },
    ];
    await doc.send(
      new UpdateCommand({
        TableName: Dynamo.tableName(),
        Key: { pk: `$ewallet#transferId_${t.transferId}`, sk: "$transfer_1" },
        UpdateExpression: "SET history = :history",
        ExpressionAttributeValues: { ":history": legacy },
      }),
    );
    const read = await Transfer.get(t.transferId);
    expect(read?.history).toEqual(legacy);
    expect(Transfer.Info.parse(read)).toEqual(read);
  });
});

describe("list queries are bounded in work whatever the input (issue 14, finding 2)", () => {
  /** Runs `run`, returning its result, the Query commands it sent and the items DynamoDB evaluated for them. */
  async function work<T>(run: () => Promise<T>) {
    let scanned = 0;
    const client = Dynamo.client();
    const name = `scanned-${++counter}`;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        scanned += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
        return result;
      },
      { step: "initialize", name },
    );
    try {
      const { result, sent } = await observe(run);
      return { result, queries: sent.filter((c) => c.name === "QueryCommand").length, scanned };
    } finally {
      client.middlewareStack.remove(name);
    }
  }

  it("refuses a forged cursor (a year-9999 position), and a cursor made for another query", async () => {
    const me = user("cursor");
    for (let i = 0; i < 3; i++) await newTransfer(me);
    const forged = Buffer.from(JSON.stringify({ b: "7ZZZZZZZZZ0000000000000000", s: "x" })).toString("base64url");
    const started = Date.now();
    expect(await refusal(Transfer.list({ cursor: forged }))).toMatchObject({ code: TransferError.INVALID_CURSOR });
    expect(Date.now() - started).toBeLessThan(1000);
    const page = await Transfer.list({ userId: me, limit: 1 });
    expect(page.cursor).toBeDefined();
    expect((await Transfer.list({ userId: me, limit: 1, cursor: page.cursor })).items).toHaveLength(1);
    expect(await refusal(Transfer.list({ userId: me, status: "FAILED", limit: 1, cursor: page.cursor }))).toMatchObject({ code: TransferError.INVALID_CURSOR });
    expect(await refusal(Transfer.list({ limit: 1, cursor: page.cursor }))).toMatchObject({ code: TransferError.INVALID_CURSOR });
  });

  it("a filter that matches nothing reads a bounded number of items per request, and the cursor still reaches the end", async () => {
    const me = user("many");
    const count = Transfer.MAX_ITEMS_SCANNED + 40;
    for (let i = 0; i < count; i += 30) await Promise.all(Array.from({ length: Math.min(30, count - i) }, () => newTransfer(me)));
    let cursor: string | undefined;
    let requests = 0;
    do {
      const { result, queries, scanned } = await work(() => Transfer.list({ userId: me, status: "FAILED", cursor }));
      expect(result.items).toEqual([]);
      expect(queries).toBeLessThanOrEqual(Transfer.MAX_QUERIES_PER_LIST);
      expect(scanned).toBeLessThanOrEqual(Transfer.MAX_ITEMS_SCANNED);
      cursor = result.cursor;
      requests += 1;
    } while (cursor && requests < 10);
    expect(cursor).toBeUndefined();
    expect(requests).toBeGreaterThan(1);
  });

  it("the recent view and the sweep's stuck scan make a bounded number of queries per call over the 30-day window", async () => {
    const recent = await work(() => Transfer.list({ status: "REQUIRES_ATTENTION" }));
    expect(recent.queries).toBeLessThanOrEqual(Transfer.MAX_QUERIES_PER_LIST);
    const stuck = await work(() => Transfer.listStuckPage({ status: "PROCESSING", olderThanMs: 15 * 60_000 }));
    expect(stuck.queries).toBeLessThanOrEqual(Transfer.MAX_QUERIES_PER_LIST);
    // The rest of the window comes with the cursor, each call bounded the same way.
    let cursor = stuck.result.cursor;
    let calls = 1;
    while (cursor && calls < 10) {
      const next = await work(() => Transfer.listStuckPage({ status: "PROCESSING", olderThanMs: 15 * 60_000, cursor }));
      expect(next.queries).toBeLessThanOrEqual(Transfer.MAX_QUERIES_PER_LIST);
      cursor = next.result.cursor;
      calls += 1;
    }
    expect(cursor).toBeUndefined();
  });
});
