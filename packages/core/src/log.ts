/**
 * Structured JSON logs, one object per line (what CloudWatch Logs Insights queries).
 * Fields given to `Log.scope` — the transfer id, the saga step, the execution — are on
 * every line written inside it, however deep the call.
 */
import { AsyncLocalStorage } from "node:async_hooks";

type Fields = Record<string, unknown>;
type Level = "debug" | "info" | "warn" | "error";

const context = new AsyncLocalStorage<Fields>();
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  return LEVELS[(process.env.LOG_LEVEL?.toLowerCase() as Level) ?? "info"] ?? LEVELS.info;
}

function write(level: Level, message: string, fields: Fields = {}) {
  if (LEVELS[level] < threshold()) return;
  const line = { level, message, timestamp: new Date().toISOString(), ...context.getStore(), ...fields };
  const text = JSON.stringify(line, (_key, value) =>
    typeof value === "bigint" ? value.toString() : value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value,
  );
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(text + "\n");
}

export namespace Log {
  /** Runs `fn` with these fields added to every line it logs. */
  export function scope<R>(fields: Fields, fn: () => R): R {
    return context.run({ ...context.getStore(), ...fields }, fn);
  }
  export const debug = (message: string, fields?: Fields) => write("debug", message, fields);
  export const info = (message: string, fields?: Fields) => write("info", message, fields);
  export const warn = (message: string, fields?: Fields) => write("warn", message, fields);
  export const error = (message: string, fields?: Fields) => write("error", message, fields);
}
