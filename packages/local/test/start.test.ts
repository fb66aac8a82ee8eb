/**
 * `pnpm start` as a person uses it: the whole stack from one command, a transfer through the
 * printed API URL, then Ctrl-C (SIGINT) — and nothing left running.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDevIssuer, DEV_KEY_FILE } from "../src/dev-issuer.ts";
import { freePort } from "../src/engines.ts";
import { dynamoLocalPids, postmasterPids } from "../src/processes.ts";

const localDir = join(dirname(fileURLToPath(import.meta.url)), "..");
let child: ChildProcess | undefined;
// The child's temporary folder: whatever it leaves behind shows up here.
const childTmp = mkdtempSync(join(tmpdir(), "start-test-"));
chmodSync(childTmp, 0o777); // as root, Postgres runs as the `postgres` user and writes here too
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  rmSync(childTmp, { recursive: true, force: true });
});

/** Runs `pnpm start`'s entry point with this environment; resolves with its exit code and output. */
function startMain(env: Record<string, string>) {
  const proc = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: localDir,
    // Fresh, isolated data unless a test gives its own directory.
    env: { ...process.env, TMPDIR: childTmp, DATABASE_URL: "", LOG_LEVEL: "error", EWALLET_DATA_DIR: mkdtempSync(join(childTmp, "data-")), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { text: "" };
  proc.stdout!.on("data", (chunk: Buffer) => (out.text += chunk.toString()));
  proc.stderr!.on("data", (chunk: Buffer) => (out.text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { proc, out, exited };
}

describe("pnpm start", () => {
  it("runs the whole system, moves money within 5 s, and stops everything on Ctrl-C", { timeout: 120_000 }, async () => {
    const [port, dashboardPort] = [await freePort(), await freePort()];
    // Exactly what `pnpm start` runs (the package's start script), on free ports.
    const startRun = startMain({ PORT: String(port), DASHBOARD_PORT: String(dashboardPort) });
    child = startRun.proc;
    const deadline = Date.now() + 90_000;
    while (!startRun.out.text.includes("Ctrl-C stops everything")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pnpm start did not come up:\n${startRun.out.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const output = () => startRun.out.text;
    const api = `http://127.0.0.1:${port}`;
    expect(output()).toContain(`API            ${api}`);
    expect(output()).toContain(`Dashboard      http://127.0.0.1:${dashboardPort}`);
    const dynamoPort = output().match(/DynamoDB Local http:\/\/127\.0\.0\.1:(\d+)/)![1]!;
    const postgresPort = output().match(/Postgres\s+postgres:\/\/\S+:(\d+)\//)![1]!;
    expect(dynamoLocalPids(dynamoPort)).toHaveLength(1);
    expect(postmasterPids(postgresPort)).toHaveLength(1);

    // The demo: alice sends bob 10.00 with a token from `pnpm run token alice`.
    const issuer = await createDevIssuer({ keyFile: DEV_KEY_FILE });
    const auth = async (userId: string, admin = false) => ({ authorization: `Bearer ${await issuer.sign(userId, { admin })}` });
    const started = Date.now();
    const created = await fetch(`${api}/transfers`, {
      method: "POST",
      headers: { ...(await auth("alice")), "content-type": "application/json", "idempotency-key": `start-test-${started}` },
      body: JSON.stringify({ senderUserId: "alice", receiverUserId: "bob", amount: "10.00" }),
    });
    expect(created.status).toBe(201);
    const { transferId } = (await created.json()) as { transferId: string };
    let status = "";
    while (Date.now() - started < 5_000) {
      status = ((await (await fetch(`${api}/transfers/${transferId}`, { headers: await auth("alice") })).json()) as { status: string }).status;
      if (status === "SUCCEEDED") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("SUCCEEDED");
    const balance = async (userId: string) =>
      ((await (await fetch(`${api}/accounts/${userId}`, { headers: await auth(userId) })).json()) as { balance: string }).balance;
    expect([await balance("alice"), await balance("bob")]).toEqual(["990.00", "1010.00"]);
    expect((await fetch(`http://127.0.0.1:${dashboardPort}/`)).status).toBe(200);

    // Ctrl-C, with a transfer in flight: it finishes before the engines stop.
    const inFlight = await fetch(`${api}/transfers`, {
      method: "POST",
      headers: { ...(await auth("alice")), "content-type": "application/json", "idempotency-key": `start-test-${started}-2` },
      body: JSON.stringify({ senderUserId: "alice", receiverUserId: "bob", amount: "1.00" }),
    });
    expect(inFlight.status).toBe(201);
    child.kill("SIGINT");
    // A clean shutdown: exit 0 after "Stopped.", no engine left, no data directory left behind.
    expect(await startRun.exited, output()).toBe(0);
    expect(output()).toContain("SIGINT: stopping");
    expect(output()).toContain("Stopped.");
    expect(dynamoLocalPids(dynamoPort)).toEqual([]);
    expect(postmasterPids(postgresPort)).toEqual([]);
    expect(readdirSync(childTmp).filter((name) => name.startsWith("ewallet-pg-"))).toEqual([]);
  });

  it("keeps every transfer across a forced stop mid-load: after the restart all end SUCCEEDED or FAILED, money conserved", { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(join(childTmp, "data-restart-"));
    chmodSync(dataDir, 0o777);
    const [port, dashboardPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${port}`;
    const issuer = await createDevIssuer({ keyFile: DEV_KEY_FILE });
    const auth = async (userId: string, admin = false) => ({ authorization: `Bearer ${await issuer.sign(userId, { admin })}` });
    const untilReady = async (run: ReturnType<typeof startMain>) => {
      const deadline = Date.now() + 120_000;
      while (!run.out.text.includes("Ctrl-C stops everything")) {
        if (run.proc.exitCode !== null || Date.now() > deadline) throw new Error(`pnpm start did not come up:\n${run.out.text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const env = { PORT: String(port), DASHBOARD_PORT: String(dashboardPort), EWALLET_DATA_DIR: dataDir };

    const first = startMain(env);
    child = first.proc;
    await untilReady(first);
    const users = ["alice", "bob", "carol", "dave"];
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const sender = users[i % 4]!;
        const response = await fetch(`${api}/transfers`, {
          method: "POST",
          headers: { ...(await auth(sender)), "content-type": "application/json", "idempotency-key": `restart-${i}` },
          body: JSON.stringify({ senderUserId: sender, receiverUserId: users[(i + 1) % 4], amount: `${1 + (i % 7)}.25` }),
        });
        expect(response.status).toBe(201);
        ids.push(((await response.json()) as { transferId: string }).transferId);
      }),
    );
    // Ctrl-C twice: no waiting for sagas; the engines are killed with the process.
    first.proc.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 20));
    first.proc.kill("SIGINT");
    await first.exited;
    expect(first.out.text).toContain("exiting without waiting for sagas in flight");

    const second = startMain(env);
    child = second.proc;
    await untilReady(second);
    const admin = await auth("operator", true);
    const deadline = Date.now() + 90_000;
    let statuses: string[] = [];
    for (;;) {
      statuses = await Promise.all(
        ids.map(async (id) => {
          const response = await fetch(`${api}/transfers/${id}`, { headers: admin });
          const body = (await response.json()) as { status?: string };
          return body.status ?? `${id}: ${response.status} ${JSON.stringify(body)}`;
        }),
      );
      if (statuses.every((status) => status === "SUCCEEDED" || status === "FAILED") || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(statuses.filter((status) => status !== "SUCCEEDED" && status !== "FAILED")).toEqual([]);
    // Some sagas were in flight at the kill, and the restart resumed them.
    expect(second.out.text).toMatch(/"message":"recovered after restart","resumedExecutions":[1-9]/);
    const accounts = (await (await fetch(`${api}/accounts`, { headers: admin })).json()) as { items: { userId: string; balance: string }[]; totals: Record<string, unknown> };
    expect(accounts.totals).toMatchObject({ sumOfBalances: "0.00", inTransit: "0.00", accountsWithLedgerMismatch: 0 });
    const demo = accounts.items.filter((a) => users.includes(a.userId)).reduce((sum, a) => sum + Math.round(Number(a.balance) * 100), 0);
    expect(demo).toBe(4 * 100_000);
    second.proc.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("leaves no engine running when it is killed outright (SIGKILL: no handler of ours runs)", { timeout: 120_000 }, async () => {
    const run = startMain({ PORT: String(await freePort()), DASHBOARD_PORT: String(await freePort()) });
    const deadline = Date.now() + 90_000;
    while (!run.out.text.includes("Ctrl-C stops everything")) {
      if (run.proc.exitCode !== null || Date.now() > deadline) throw new Error(`pnpm start did not come up:\n${run.out.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const dynamoPort = run.out.text.match(/DynamoDB Local http:\/\/127\.0\.0\.1:(\d+)/)![1]!;
    const postgresPort = run.out.text.match(/Postgres\s+postgres:\/\/\S+:(\d+)\//)![1]!;
    const engines = () => [...dynamoLocalPids(dynamoPort), ...postmasterPids(postgresPort)];
    expect(engines()).toHaveLength(2);
    run.proc.kill("SIGKILL");
    await run.exited;
    // Each engine's guard sees the stack's pipe close and stops it.
    const gone = Date.now() + 30_000;
    while (engines().length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(engines()).toEqual([]);
  });

  it("fails in a second, with one line saying what to do, when the API port is taken", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
    try {
      const run = startMain({ PORT: String(port), DASHBOARD_PORT: String(await freePort()) });
      expect(await run.exited).toBe(1);
      expect(run.out.text).toMatch(new RegExp(`pnpm start failed: port ${port} \\(API\\) is already in use: stop what holds it or set PORT to another port\\n$`));
    } finally {
      blocker.close();
    }
  });

  it("fails with one clear line and leaves nothing running when Java is missing", async () => {
    const run = startMain({ PORT: String(await freePort()), DASHBOARD_PORT: String(await freePort()), JAVA_HOME: "/nonexistent-java" });
    expect(await run.exited).toBe(1);
    const failures = run.out.text.split("\n").filter((line) => line.startsWith("pnpm start failed:"));
    expect(failures).toEqual([expect.stringMatching(/Java 17\+ is required for DynamoDB Local .* install it .* or set JAVA_HOME$/)]);
    expect(readdirSync(childTmp).filter((name) => name.startsWith("ewallet-pg-"))).toEqual([]);
  });

  it("fails with one clear line when the Postgres at DATABASE_URL refuses connections", async () => {
    const closedPort = await freePort();
    const run = startMain({ PORT: String(await freePort()), DASHBOARD_PORT: String(await freePort()), DATABASE_URL: `postgres://postgres:x@127.0.0.1:${closedPort}/postgres` });
    expect(await run.exited).toBe(1);
    const failures = run.out.text.split("\n").filter((line) => line.startsWith("pnpm start failed:"));
    expect(failures).toEqual([expect.stringMatching(/Postgres at DATABASE_URL .* refused: .*; start it, fix the URL, or unset DATABASE_URL/)]);
  });
});
