/**
 * The wallet's Postgres client: one bounded pool per process, created on first use.
 * Lazy because SST's `Resource` is only meaningful once the environment is set
 * (tests and the offline stack set it before calling in), and bounded because
 * many Lambdas each opening unbounded pools exhaust `max_connections`.
 */
import postgres from "postgres";
import { Resource } from "sst";
import { AppError } from "../error.ts";
import { NETWORK_CODES } from "../transient.ts";

const DEFAULT_POOL_MAX = 10;

let client: postgres.Sql | undefined;

/** A positive integer from the environment (infra sets these per stage), else the default. */
function envInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  const parsed = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export function db(): postgres.Sql {
  if (client) return client;
  const { host, port, username, password, database } = Resource.Postgres;
  client = postgres({
    host,
    port: Number(port),
    username,
    password,
    database,
    max: envInteger("WALLET_POOL_MAX", DEFAULT_POOL_MAX),
    // Behind RDS Proxy, named prepared statements pin each connection to one client and
    // defeat the proxy's multiplexing: infra turns them off where the proxy is used.
    prepare: process.env.WALLET_PREPARED_STATEMENTS !== "false",
    // Release idle connections so a quiet instance does not pin server slots (nor keep a
    // scale-to-zero database awake).
    idle_timeout: envInteger("WALLET_IDLE_TIMEOUT_SECONDS", 30),
    // A connect that outlasts this fails as CONNECT_TIMEOUT, transient: e.g. while a paused
    // Aurora cluster resumes (~15 s), the saga retries with backoff and the API answers 503.
    connect_timeout: envInteger("WALLET_CONNECT_TIMEOUT_SECONDS", 10),
    // Migrations' "already exists, skipping" notices are noise.
    onnotice: () => {},
    // numeric stays a string (postgres.js default): amounts never pass through a float.
  });
  return client;
}

export async function closeDb(): Promise<void> {
  const closing = client;
  client = undefined;
  await closing?.end({ timeout: 5 });
}

/** SQLSTATEs worth a retry: the same statement may well succeed a moment later. */
const TRANSIENT_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout)
  "53300", // too_many_connections
  "57P01", // admin_shutdown (failover, restart)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (server starting up)
]);

/** postgres.js' own connection failures; socket-level ones come from core's one list (NETWORK_CODES). */
const DRIVER_CONNECTION_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);

function isTransient(code: string): boolean {
  return TRANSIENT_SQLSTATES.has(code) || code.startsWith("08") || DRIVER_CONNECTION_CODES.has(code) || NETWORK_CODES.has(code);
}

/**
 * Maps a transient database failure to `AppError("transient", "TRANSIENT_DATABASE_ERROR")`
 * so the saga retries it; every other error (business AppErrors, constraint violations,
 * bugs) comes back unchanged. Use as `catch (e) { throw toWalletError(e) }`.
 * Retrying is safe even when a COMMIT's fate is unknown: every money operation is
 * idempotent through the inbox.
 */
export function toWalletError<E>(error: E): E | AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !isTransient(code)) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The server's own text (host names, "in recovery mode", …) is for the logs (details, cause), never for users.
  const mapped = new AppError("transient", "TRANSIENT_DATABASE_ERROR", "The wallet database is temporarily unavailable", {
    databaseCode: code,
    databaseMessage: message,
  });
  mapped.cause = error;
  return mapped;
}
