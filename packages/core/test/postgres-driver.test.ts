/**
 * The Postgres driver under a killed backend (a crash recovery, an operator's
 * pg_terminate_backend, a proxy dropping the connection): every query settles with an error
 * the caller can catch, and nothing is thrown from a timer.
 *
 * postgres.js 3.4.9 queues small writes with setImmediate; when the connection closed first, the
 * queued write dereferenced the dropped socket from the timer (an uncaughtException that ends a
 * Lambda instance or `pnpm start`) and the query never settled (porsager/postgres#1154, #1208).
 * patches/postgres@3.4.9.patch settles it as CONNECTION_CLOSED instead.
 */
import { afterAll, expect, it } from "vitest";
import postgres from "postgres";
import { Resource } from "sst";

const options = { ...(Resource as unknown as { Postgres: Record<string, unknown> }).Postgres, onnotice: () => {} };
const sql = postgres({ ...options, max: 2 });
const admin = postgres({ ...options, max: 1 });

afterAll(async () => {
  await Promise.all([sql.end({ timeout: 1 }), admin.end({ timeout: 1 })]);
});

it("a query on a connection whose backend was killed is rejected with CONNECTION_CLOSED, not thrown from a timer", async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on("uncaughtException", onUncaught);
  try {
    // A reserved connection stays pinned to its dead backend: the pool cannot rotate it away.
    const reserved = await sql.reserve();
    const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await admin`select pg_terminate_backend(${row!.pid})`;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the close reaches the client

    const settled = await Promise.race([
      reserved`select 1`.then(
        () => "resolved",
        (error: { code?: string }) => error.code,
      ),
      new Promise((resolve) => setTimeout(() => resolve("still pending after 5 s"), 5000)),
    ]);
    await new Promise((resolve) => setImmediate(resolve));

    expect(settled).toBe("CONNECTION_CLOSED");
    expect(uncaught.map(String)).toEqual([]);
    reserved.release();
  } finally {
    process.off("uncaughtException", onUncaught);
  }
});
