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

/** A pass that found fewer records than this waits GATHER_MS before the next (a full page never waits). */
const GATHER_BELOW_RECORDS = 20;
const GATHER_MS = 10;

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

  private async readShard(shardId: string, iterator: string): Promise<number> {
    let page;
    try {
      page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
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
      return 1; // not known to be idle: read again with the new iterator before saying so
    }
    this.iterators.set(shardId, page.NextShardIterator);
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
    return page.Records?.length ?? 0;
  }

  private async run(streamArn: string) {
    const pollIntervalMs = this.options.pollIntervalMs ?? 50;
    let lastDiscovery = 0;
    while (this.running) {
      this.pass += 1;
      try {
        if (Date.now() - lastDiscovery > 1000) {
          await this.discoverShards(streamArn);
          lastDiscovery = Date.now();
        }
        let found = 0;
        for (const [shardId, iterator] of this.iterators) {
          if (!iterator || !this.running) continue;
          found += await this.readShard(shardId, iterator);
        }
        if (Date.now() - this.checkpointSavedAt >= CHECKPOINT_EVERY_MS) await this.saveCheckpoint();
        if (found === 0) {
          this.resolveIdle();
          await new Promise((r) => setTimeout(r, pollIntervalMs));
        } else if (found < GATHER_BELOW_RECORDS) {
          // Each GetRecords costs DynamoDB Local a few ms whatever it returns: under a trickle,
          // let records gather briefly instead of fetching them one or two at a time.
          await new Promise((r) => setTimeout(r, GATHER_MS));
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
