/**
 * EventBridge Pipe offline: polls the table's DynamoDB stream (DynamoDB Local's own
 * stream API), turns each record into the event Pipes sees, keeps the events core's
 * filter accepts, renders core's input template and starts a saga execution with the
 * batch as Pipes sends it to a Step Functions target: a JSON array (of one: core's batch size).
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";
import { readFile, rename, writeFile } from "node:fs/promises";
import { pipeSettings, sagaInputTemplate, transferInsertFilter } from "@ewallet/core/saga/pipe";
import { matchesPattern, pipesDynamoDBEvent, renderTargetInput } from "./pipe-emulation.ts";

/**
 * How the shards are polled. Each GetRecords costs DynamoDB Local about 2 ms of CPU whatever it
 * returns (and about 0.08 ms per record), and the SDK call about 1 ms in node, so under load the
 * pipe reads fewer, larger pages: passes begin `pollIntervalMs` apart (50 ms) while the stream is
 * idle or trickling (a test's lone transfer is picked up at once), BUSY_POLL_MS apart once a pass
 * found at least BUSY_RECORDS records, and a full page is followed by the next at once, so a
 * backlog is read RECORDS_PER_CALL at a time.
 */
const BUSY_RECORDS = 10;
const BUSY_POLL_MS = 100;
/** GetRecords' maximum page (DynamoDB Streams: "up to 1,000 records"). */
const RECORDS_PER_CALL = 1000;
/** Shards are listed again this often (DescribeStream costs DynamoDB Local ~8 ms), and at once when one closes. */
const DISCOVER_EVERY_MS = 10_000;

export interface StreamPipeOptions {
  tableName: string;
  start: (input: unknown) => unknown;
  pollIntervalMs?: number;
  log?: (line: Record<string, unknown>) => void;
  /**
   * Where the pipe keeps its position in each shard across restarts (the cloud pipe keeps its own
   * checkpoint). Without it a restart reads the stream again from the pipe's starting position and
   * re-delivers every transfer of the last 24 hours.
   */
  checkpointFile?: string;
}

/** A shard position that keeps failing (trimmed past it) is dropped after this many tries. */
const TRIMMED_RETRIES = 3;
/** The checkpoint is written at most this often while records flow, and at stop. */
const CHECKPOINT_EVERY_MS = 200;

export class StreamPipe {
  /** Every record the pipe delivered to the target, in order (tests replay them). */
  readonly delivered: _Record[] = [];
  /** Records whose saga could not be started: the cloud pipe's SQS dead-letter queue. */
  readonly deadLetters: { record: _Record; error: string }[] = [];
  private readonly dynamo = new DynamoDBClient({});
  private readonly streams = new DynamoDBStreamsClient({});
  private readonly iterators = new Map<string, string | undefined>();
  /** Last sequence number delivered per shard, to resume after a lost iterator. */
  private readonly positions = new Map<string, string>();
  private streamArn = "";
  private running = false;
  private loop: Promise<void> | undefined;
  private idleWaiters: { afterPass: number; resolve: () => void }[] = [];
  private pass = 0;
  private readonly trimmed = new Map<string, number>();
  private checkpointDirty = false;
  private shardClosed = false;
  private checkpointSavedAt = 0;

  constructor(private readonly options: StreamPipeOptions) {}

  async start() {
    const table = await this.dynamo.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`Table ${this.options.tableName} has no stream`);
    this.streamArn = streamArn;
    await this.loadCheckpoint();
    this.running = true;
    this.loop = this.run(streamArn);
  }

  /** What the target receives for this record (a batch of one), or undefined when the filter drops it. */
  targetInput(record: _Record): unknown[] | undefined {
    const event = pipesDynamoDBEvent(record, this.streamArn);
    return matchesPattern(transferInsertFilter, event) ? renderTargetInput(sagaInputTemplate, [event]) : undefined;
  }

  /** Applies the pipe's filter and template to one stream record and starts the saga with it (a batch of one). */
  deliver(record: _Record): boolean {
    const input = this.targetInput(record);
    if (!input) return false;
    this.delivered.push(record);
    // As the cloud pipe: a failed start is retried (maximumRetryAttempts), then dead-lettered;
    // the stuck sweep picks dead-lettered transfers up (they stay PENDING).
    let lastError: unknown;
    for (let attempt = 0; attempt <= pipeSettings.maximumRetryAttempts; attempt++) {
      try {
        this.options.start(input);
        return true;
      } catch (error) {
        lastError = error;
      }
    }
    this.deadLetters.push({ record, error: String(lastError) });
    this.options.log?.({ level: "error", message: "saga start failed; record dead-lettered", error: String(lastError) });
    return true;
  }

  /** Resolves after a full pass, begun after this call, found no new record on any shard. */
  idle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push({ afterPass: this.pass, resolve }));
  }

  private resolveIdle(all = false) {
    this.idleWaiters = this.idleWaiters.filter((waiter) => {
      const done = all || waiter.afterPass < this.pass;
      if (done) waiter.resolve();
      return !done;
    });
  }

  private async discoverShards(streamArn: string) {
    let exclusiveStartShardId: string | undefined;
    do {
      const description = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of description.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.iterators.has(shard.ShardId)) continue;
        this.iterators.set(shard.ShardId, await this.iteratorFor(shard.ShardId));
      }
      exclusiveStartShardId = description.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  /** Where reading a shard (re)starts: after what was delivered, else the pipe's starting position. */
  private async iteratorFor(shardId: string): Promise<string | undefined> {
    const after = this.positions.get(shardId);
    const response = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after } : { ShardIteratorType: pipeSettings.startingPosition }),
      }),
    );
    return response.ShardIterator;
  }

  /**
   * Reads one page of a shard and delivers it: how many records it held, whether the page was full,
   * and whether the shard must be read again before the pipe can say it is idle (a new iterator).
   */
  private async readShard(shardId: string, iterator: string): Promise<{ records: number; full: boolean; again?: boolean }> {
    let page;
    try {
      page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: RECORDS_PER_CALL }));
    } catch (error) {
      // DynamoDB Local sometimes refuses a fresh stream's first iterator as trimmed, and
      // iterators expire: take a new one from the last delivered position (at-least-once, as Pipes).
      const name = (error as Error).name;
      if (name !== "TrimmedDataAccessException" && name !== "ExpiredIteratorException") throw error;
      // A saved position the stream has trimmed past can never be read after: start that shard over.
      const tries = (this.trimmed.get(shardId) ?? 0) + (name === "TrimmedDataAccessException" ? 1 : 0);
      this.trimmed.set(shardId, tries);
      if (tries >= TRIMMED_RETRIES) this.positions.delete(shardId);
      this.iterators.set(shardId, await this.iteratorFor(shardId));
      return { records: 0, full: false, again: true }; // not known to be idle: read with the new iterator next pass
    }
    this.iterators.set(shardId, page.NextShardIterator);
    // A closed shard has no next iterator: its children are found by listing the shards again.
    if (!page.NextShardIterator) this.shardClosed = true;
    this.trimmed.delete(shardId);
    for (const record of page.Records ?? []) {
      try {
        this.deliver(record);
      } catch (error) {
        this.options.log?.({ level: "error", message: "pipe could not deliver a record", error: String(error) });
      }
      if (record.dynamodb?.SequenceNumber) {
        this.positions.set(shardId, record.dynamodb.SequenceNumber);
        this.checkpointDirty = true;
      }
    }
    const records = page.Records?.length ?? 0;
    return { records, full: records >= RECORDS_PER_CALL };
  }

  private async run(streamArn: string) {
    const pollIntervalMs = this.options.pollIntervalMs ?? 50;
    let lastDiscovery = 0;
    while (this.running) {
      this.pass += 1;
      const passStarted = Date.now();
      try {
        if (this.shardClosed || passStarted - lastDiscovery >= DISCOVER_EVERY_MS) {
          this.shardClosed = false;
          await this.discoverShards(streamArn);
          lastDiscovery = Date.now();
        }
        let found = 0;
        let full = false;
        let again = false;
        for (const [shardId, iterator] of this.iterators) {
          if (!iterator || !this.running) continue;
          const page = await this.readShard(shardId, iterator);
          found += page.records;
          full ||= page.full;
          again ||= page.again ?? false;
        }
        if (Date.now() - this.checkpointSavedAt >= CHECKPOINT_EVERY_MS) await this.saveCheckpoint();
        if (found === 0 && !full && !again) this.resolveIdle();
        if (!full) {
          const periodMs = found >= BUSY_RECORDS ? Math.max(BUSY_POLL_MS, pollIntervalMs) : pollIntervalMs;
          const waitMs = passStarted + periodMs - Date.now();
          if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
        }
      } catch (error) {
        if (!this.running) break;
        this.options.log?.({ level: "warn", message: "stream poll failed; retrying", error: String(error) });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Positions saved for this very stream (a new table has a new stream ARN: nothing to resume). */
  private async loadCheckpoint() {
    if (!this.options.checkpointFile) return;
    let saved: { streamArn?: unknown; positions?: Record<string, string> };
    try {
      saved = JSON.parse(await readFile(this.options.checkpointFile, "utf8"));
    } catch {
      return; // none yet, or unreadable: start from the pipe's starting position (at-least-once)
    }
    if (saved.streamArn !== this.streamArn) return;
    for (const [shardId, sequenceNumber] of Object.entries(saved.positions ?? {})) {
      if (typeof sequenceNumber === "string") this.positions.set(shardId, sequenceNumber);
    }
  }

  /** Written after the records were delivered, so a crash re-delivers (harmless) and never skips. */
  private async saveCheckpoint() {
    if (!this.options.checkpointFile || !this.checkpointDirty) return;
    this.checkpointDirty = false;
    this.checkpointSavedAt = Date.now();
    const temporary = `${this.options.checkpointFile}.tmp`;
    await writeFile(temporary, JSON.stringify({ streamArn: this.streamArn, positions: Object.fromEntries(this.positions) }));
    await rename(temporary, this.options.checkpointFile);
  }

  async stop() {
    this.running = false;
    await this.loop;
    await this.saveCheckpoint().catch((error) => this.options.log?.({ level: "warn", message: "pipe checkpoint not saved", error: String(error) }));
    this.resolveIdle(true);
    this.dynamo.destroy();
    this.streams.destroy();
  }
}
