/**
 * The offline stack: the same handlers, definitions and resources as the cloud, on
 * real engines. `startStack` starts the engines and exposes them through SST's
 * resource variables; `startRuntime` wires migrations, table, demo wallets, the
 * stream pipe, the saga runtime and the HTTP API onto an environment already set.
 */
import { serve, type ServerType } from "@hono/node-server";
import { join } from "node:path";
import { chmod, mkdir } from "node:fs/promises";
import { startDynamo, startPostgres, freePort, type Engine, type PostgresInfo } from "./engines.ts";
import type { SagaRuntime, SagaRuntimeOptions } from "./saga-runtime.ts";
import type { StreamPipe } from "./stream-pipe.ts";
import { createDevIssuer, type DevIssuer, type DevUser } from "./dev-issuer.ts";
import { answerClientErrorsAsJson } from "./http-errors.ts";
import { resourceEnvironment } from "./resource-environment.ts";

import { DEMO_BALANCE, DEMO_OPERATOR, DEMO_USERS, demoDepositKey } from "@ewallet/core/demo";
// The demo users are core's (the cloud seeds the same ones); offline the operator also signs in to the dashboard.
export { DEMO_BALANCE, DEMO_OPERATOR, DEMO_USERS };
/** Every offline demo user's password for the development issuer's sign-in (never a cloud password). */
export const DEMO_PASSWORD = "demo-password";

export { resourceEnvironment };

export type Log = (line: Record<string, unknown>) => void;

export interface RuntimeOptions {
  /** HTTP port for the API; 0 picks a free one. */
  port?: number;
  /** Multiply retry waits (tests use a small factor). */
  retryScale?: number;
  definition?: SagaRuntimeOptions["definition"];
  /** Finished saga executions kept for describe/redrive (see SagaRuntimeOptions.retainFinished). */
  retainFinishedExecutions?: number;
  /**
   * Journal executions in flight in this file, and resume those a previous process left
   * unfinished (the execution outlives the process, as a Standard workflow does).
   */
  executionJournal?: string;
  /** The stream pipe's shard positions, kept across restarts (see StreamPipeOptions.checkpointFile). */
  pipeCheckpoint?: string;
  /** Demo wallets to open and fund from the treasury, through the API as anyone would (idempotent). */
  seed?: readonly string[];
  /** Users the development issuer signs in (InitiateAuth); default: the seeded users and the operator, password DEMO_PASSWORD. */
  users?: DevUser[];
  /** Run the stuck-transfer sweep this often (as the cloud's cron does); default: never. */
  sweep?: { everyMs: number; stuckAfterMs: number };
  /** Token issuer the API trusts; default: a fresh in-memory development issuer. */
  issuer?: DevIssuer;
  log?: Log;
}

export interface Runtime {
  apiUrl: string;
  /** The development issuer's Cognito-compatible endpoint (InitiateAuth), and its app client id. */
  auth: { url: string; clientId: string };
  saga: SagaRuntime;
  pipe: StreamPipe;
  /** A bearer token the API accepts for this user (admin: in the operators' group). */
  token(userId: string, options?: { admin?: boolean; ttlSeconds?: number }): Promise<string>;
  /** Resolves once every written transfer has been picked up and every saga has finished. */
  quiesce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * After a restart: executions a previous process left in flight resume where they were, and
 * transfers still PENDING get a saga now (the stream may have been read past them); a duplicate
 * start stops at its first step, so recovering twice is harmless.
 */
async function recover(saga: SagaRuntime, pending: { executionId: string; state: string; input: unknown }[], log?: Log) {
  for (const entry of pending) saga.resume(entry);
  const { Transfer } = await import("@ewallet/core/transfer/transfer");
  let restarted = 0;
  let cursor: string | undefined;
  do {
    const page = await Transfer.listStuckPage({ status: "PENDING", olderThanMs: 0, limit: 1000, cursor });
    for (const t of page.items) {
      saga.startExecution({ transferId: t.transferId, senderUserId: t.senderUserId, receiverUserId: t.receiverUserId, amount: t.amount });
      restarted += 1;
    }
    cursor = page.cursor;
  } while (cursor);
  if (pending.length || restarted) log?.({ level: "info", message: "recovered after restart", resumedExecutions: pending.length, restartedPending: restarted });
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const issuer = options.issuer ?? (await createDevIssuer());
  Object.assign(process.env, issuer.environment);
  // Imported only now: SST's Resource reads the environment when first imported.
  const [{ migrate }, { ensureTable }, { closeDb }, { stepHandlers }, { createApp }, { fromBearerToken }, { OPENAPI_DOCUMENT }, { SagaRuntime }, { StreamPipe }, { Resource }] =
    await Promise.all([
      import("@ewallet/core/wallet/migrate"),
      import("./dynamo-table.ts"),
      import("@ewallet/core/wallet/client"),
      import("@ewallet/functions/steps/index"),
      import("@ewallet/functions/api/app"),
      import("@ewallet/functions/api/caller-token"),
      import("@ewallet/functions/api/openapi-function"),
      import("./saga-runtime.ts"),
      import("./stream-pipe.ts"),
      import("sst"),
    ]);
  const log = options.log;
  await Promise.all([migrate(), ensureTable()]);
  for (const user of options.users ?? [...(options.seed ?? []).map((username) => ({ username, password: DEMO_PASSWORD })), { username: DEMO_OPERATOR, password: DEMO_PASSWORD, groups: ["admin"] }]) {
    issuer.addUser(user);
  }

  const { ExecutionJournal } = await import("./execution-journal.ts");
  const journal = options.executionJournal ? new ExecutionJournal(options.executionJournal) : undefined;
  const saga = new SagaRuntime({ journal, handlers: stepHandlers, retryScale: options.retryScale, definition: options.definition, log, retainFinished: options.retainFinishedExecutions });
  const pipe = new StreamPipe({ tableName: Resource.Transfers.name, start: (input) => saga.startExecution(input), log, checkpointFile: options.pipeCheckpoint });
  await pipe.start();
  if (journal) await recover(saga, journal.pending, log);

  let sweepTimer: NodeJS.Timeout | undefined;
  if (options.sweep) {
    const { sweepStuckTransfers } = await import("@ewallet/core/saga/sweep");
    const { everyMs, stuckAfterMs } = options.sweep;
    sweepTimer = setInterval(() => {
      sweepStuckTransfers({ olderThanMs: stuckAfterMs, control: saga }).catch((error) =>
        log?.({ level: "error", message: "sweep failed", error: String(error) }),
      );
    }, everyMs);
  }

  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  // No API Gateway here: the server verifies each bearer token itself, and serves the OpenAPI
  // document at its path (in the cloud a function of its own does, infra/api.ts).
  const app = createApp({ authenticate: fromBearerToken, openApiDocument: OPENAPI_DOCUMENT });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(s));
  });
  answerClientErrorsAsJson(server);
  // Node closes idle keep-alive connections after 5 s, and a client that reuses one at that moment
  // gets ECONNRESET (seen under load). API Gateway keeps them far longer: so does the stand-in.
  (server as import("node:http").Server).keepAliveTimeout = 65_000;
  (server as import("node:http").Server).headersTimeout = 66_000;
  const apiUrl = `http://127.0.0.1:${port}`;
  const authEndpoint = await issuer.serve();

  const runtime: Runtime = {
    apiUrl,
    auth: { url: authEndpoint.url, clientId: issuer.clientId },
    saga,
    pipe,
    token: (userId, tokenOptions) => issuer.sign(userId, tokenOptions),
    async quiesce() {
      // New executions can only come from the stream: loop until both are still.
      do {
        await pipe.idle();
        await saga.drain();
        await pipe.idle();
      } while (saga.runningCount > 0);
    },
    async stop() {
      clearInterval(sweepTimer);
      await authEndpoint.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Every transfer the API accepted gets its saga started and finished before we stop.
      await pipe.idle();
      await pipe.stop();
      await saga.drain();
      journal?.close();
      await closeDb();
    },
  };
  // The demo wallets are opened and funded through the API, exactly as on a deployed stage.
  if (options.seed?.length) {
    try {
      await seedWallets({ apiUrl, issuer, users: options.seed });
    } catch (error) {
      await runtime.stop().catch(() => {});
      throw error;
    }
  }
  return runtime;
}

/**
 * Opens each user's wallet as that user (POST /accounts) and funds it as the operator
 * (POST /accounts/{userId}/deposits, Idempotency-Key `demo-seed-<user>`): a restart on the
 * same database replays the deposit instead of paying twice.
 */
export async function seedWallets(input: { apiUrl: string; issuer: DevIssuer; users: readonly string[]; amount?: string }) {
  const operatorToken = await input.issuer.sign(DEMO_OPERATOR, { admin: true, ttlSeconds: 300 });
  for (const userId of input.users) {
    const calls: [string, RequestInit][] = [
      ["/accounts", { method: "POST", headers: { authorization: `Bearer ${await input.issuer.sign(userId, { ttlSeconds: 300 })}` } }],
      [
        `/accounts/${encodeURIComponent(userId)}/deposits`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${operatorToken}`, "content-type": "application/json", "idempotency-key": demoDepositKey(userId) },
          body: JSON.stringify({ amount: input.amount ?? DEMO_BALANCE }),
        },
      ],
    ];
    for (const [path, init] of calls) {
      const response = await fetch(`${input.apiUrl}${path}`, init);
      if (!response.ok) throw new Error(`seeding ${userId}: ${init.method} ${path} answered ${response.status} ${await response.text()}`);
    }
  }
}

export interface StackOptions extends RuntimeOptions {
  /** Use this Postgres instead of starting an embedded one. */
  databaseUrl?: string;
  /**
   * Keep everything here between runs: DynamoDB's tables (dynamodb/), Postgres' cluster
   * (postgres/) and the executions in flight (executions.jsonl). Default: fresh, in memory and
   * temporary directories, gone on stop.
   */
  dataDir?: string;
  tableName?: string;
  /** Fixed engine ports (a restart in the same process must find its clients' endpoints again). */
  dynamoPort?: number;
  postgresPort?: number;
}

export interface Stack extends Runtime {
  dynamoEndpoint: string;
  postgres: PostgresInfo;
}

/** Starts the engines, exposes them as resources, then the runtime. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const engines: Engine<unknown>[] = [];
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    // As root, Postgres runs as the `postgres` OS user, which must reach its folder inside.
    if (process.getuid?.() === 0) await chmod(options.dataDir, 0o755);
  }
  try {
    // Both start together; if one fails, the other is stopped too (allSettled waits for it).
    const [dynamoStart, postgresStart] = await Promise.allSettled([
      startDynamo({ port: options.dynamoPort, dataDir: options.dataDir && join(options.dataDir, "dynamodb") }),
      startPostgres({ databaseUrl: options.databaseUrl, port: options.postgresPort, dataDir: options.dataDir && join(options.dataDir, "postgres") }),
    ]);
    for (const started of [dynamoStart, postgresStart]) if (started.status === "fulfilled") engines.push(started.value);
    if (dynamoStart.status === "rejected") throw dynamoStart.reason;
    if (postgresStart.status === "rejected") throw postgresStart.reason;
    const [dynamo, postgres] = [dynamoStart.value, postgresStart.value];
    Object.assign(
      process.env,
      resourceEnvironment({ dynamoEndpoint: dynamo.info.endpoint, postgres: postgres.info, tableName: options.tableName ?? "ewallet-transfers" }),
    );
    const runtime = await startRuntime({
      ...options,
      executionJournal: options.executionJournal ?? (options.dataDir && join(options.dataDir, "executions.jsonl")),
      pipeCheckpoint: options.pipeCheckpoint ?? (options.dataDir && join(options.dataDir, "pipe-checkpoint.json")),
    });
    return {
      ...runtime,
      dynamoEndpoint: dynamo.info.endpoint,
      postgres: postgres.info,
      async stop() {
        await runtime.stop();
        await Promise.all(engines.map((engine) => engine.stop()));
      },
    };
  } catch (error) {
    await Promise.all(engines.map((engine) => engine.stop().catch(() => {})));
    throw error;
  }
}
