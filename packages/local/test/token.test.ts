/**
 * `pnpm run token`: offline it signs with the development issuer's key; with `--stage` it signs in
 * through Cognito's InitiateAuth using the stage's outputs. No AWS here, so the stage path is run
 * against the development issuer's InitiateAuth endpoint (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
 * the AWS SDKs' own override), and the token it prints is used against the offline API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { DEMO_PASSWORD, startRuntime, type Runtime } from "../src/stack.ts";

const LOCAL = resolve(dirname(fileURLToPath(import.meta.url)), "..");

let runtime: Runtime;
let dir: string;
let outputs: string;

/** Runs `src/token.ts` as `pnpm run token` does (node --import tsx), with the given args, env and stdin. */
function token(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/token.ts", ...args], {
      cwd: LOCAL,
      env: { ...process.env, EWALLET_PASSWORD: "", AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: runtime.auth.url, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout: stdout.trim(), stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

beforeAll(async () => {
  runtime = await startRuntime({ seed: ["alice"], retryScale: 0.01 });
  dir = await mkdtemp(join(tmpdir(), "token-test-"));
  outputs = join(dir, "outputs.json");
  // What `sst deploy --stage ci` leaves in .sst/outputs.json (the pool id starts with its region).
  await writeFile(outputs, JSON.stringify({ stage: "ci", api: runtime.apiUrl, userPool: "us-east-1_Offline1", userPoolClient: runtime.auth.clientId }));
});
afterAll(async () => {
  await runtime?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("pnpm run token --stage", () => {
  it("signs in through InitiateAuth and prints an access token the API accepts", async () => {
    const result = await token(["--stage", "ci", "--outputs", outputs, "alice"], { stdin: `${DEMO_PASSWORD}\n` });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout)).toMatchObject({ username: "alice", token_use: "access", client_id: runtime.auth.clientId });
    const response = await fetch(`${runtime.apiUrl}/accounts/alice`, { headers: { authorization: `Bearer ${result.stdout}` } });
    expect(response.status).toBe(200);
  });

  it("takes the password from EWALLET_PASSWORD too, and an operator's token carries the admin group", async () => {
    const result = await token(["--stage", "ci", "--outputs", outputs, "operator"], { env: { EWALLET_PASSWORD: DEMO_PASSWORD } });
    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout)["cognito:groups"]).toEqual(["admin"]);
    expect((await fetch(`${runtime.apiUrl}/accounts`, { headers: { authorization: `Bearer ${result.stdout}` } })).status).toBe(200);
  });

  it("says why it fails: a wrong password, another stage's outputs, --admin against a stage", async () => {
    const wrong = await token(["--stage", "ci", "--outputs", outputs, "alice"], { stdin: "not-the-password\n" });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toContain("NotAuthorizedException: Incorrect username or password.");
    const otherStage = await token(["--stage", "prod", "--outputs", outputs, "alice"], { stdin: `${DEMO_PASSWORD}\n` });
    expect(otherStage.code).toBe(1);
    expect(otherStage.stderr).toContain("outputs of stage ci, not prod");
    const admin = await token(["--stage", "ci", "--outputs", outputs, "--admin", "alice"]);
    expect(admin.code).toBe(2);
  });
});

describe("pnpm run token offline", () => {
  it("still signs a token for any user with the development key", async () => {
    const result = await token(["bob", "--admin"]);
    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout)).toMatchObject({ username: "bob", "cognito:groups": ["admin"], token_use: "access" });
  });
});
