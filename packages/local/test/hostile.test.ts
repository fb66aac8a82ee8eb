/**
 * Hostile input and unavailable stores, through HTTP on the offline stack (issue 14):
 * repeated Idempotency-Key headers, a huge Authorization header, DynamoDB down.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { request } from "node:http";
import { randomUUID } from "node:crypto";
import { startDynamo, type Engine } from "../src/engines.ts";
import type { Runtime } from "../src/stack.ts";
import { apiClient } from "./api-client.ts";

let runtime: Runtime;
let api: ReturnType<typeof apiClient>;
// This file's own DynamoDB Local, so stopping it (DynamoDB unavailable) disturbs no other test file.
let dynamo: Engine<{ endpoint: string }>;

beforeAll(async () => {
  dynamo = await startDynamo();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.info.endpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = dynamo.info.endpoint;
  // Core's DynamoDB client is made on first use: fresh modules make one for this engine.
  vi.resetModules();
  const { DEMO_USERS, startRuntime } = await import("../src/stack.ts");
  runtime = await startRuntime({ seed: DEMO_USERS, retryScale: 0.01 });
  api = apiClient(runtime.apiUrl, runtime.token);
}, 120_000);
afterAll(async () => {
  await dynamo?.stop();
  // With DynamoDB gone, the pipe cannot reach the stream's end: do not wait for it forever.
  await Promise.race([runtime?.stop().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5_000))]);
});

/** A raw HTTP/1.1 request with headers exactly as given (repeated names included). */
function rawRequest(path: string, method: string, headers: [string, string][], body?: string) {
  const url = new URL(path, runtime.apiUrl);
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    // Raw headers (an array) are sent as they are: the body's length must be among them.
    const all: [string, string][] = [["host", url.host], ...headers, ...(body === undefined ? [] : [["content-length", String(Buffer.byteLength(body))] as [string, string]])];
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method, headers: all.flat() as never }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("hostile input", () => {
  it("refuses two Idempotency-Key headers (400): exactly one key, no transfer", async () => {
    const token = await runtime.token("alice");
    const [first, second] = [randomUUID(), randomUUID()];
    const response = await rawRequest(
      "/transfers",
      "POST",
      [
        ["authorization", `Bearer ${token}`],
        ["content-type", "application/json"],
        ["idempotency-key", first],
        ["idempotency-key", second],
      ],
      JSON.stringify({ senderUserId: "alice", receiverUserId: "bob", amount: "1.00" }),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).error.code).toBe("INVALID_IDEMPOTENCY_KEY");
    const listed = await api.listTransfers({ user: "alice" });
    expect(listed.body.items).toEqual([]);
    // Each key alone is fine.
    expect((await api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "1.00" }, first)).status).toBe(201);
  });

  it("answers a 100 KB Authorization header with the JSON error (431), not a bare status or a reset", async () => {
    const response = await rawRequest("/accounts/alice", "GET", [["authorization", `Bearer ${"a".repeat(100 * 1024)}`]]);
    expect(response.status).toBe(431);
    expect(response.headers["content-type"]).toMatch(/application\/json/);
    expect(JSON.parse(response.text)).toEqual({ error: { code: "HEADERS_TOO_LARGE", message: expect.any(String) } });
    // The server still serves the next request.
    expect((await api.getAccount("alice")).status).toBe(200);
  });
});

describe("DynamoDB unavailable", () => {
  it("is a 503 with Retry-After (not a 500), so the client retries with the same key", async () => {
    await runtime.quiesce();
    await dynamo.stop();
    const key = randomUUID();
    const refused = await api.createTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "2.00" }, key);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused.body.error.code).toBe("TRANSIENT_STORE_ERROR");
    expect(JSON.stringify(refused.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    const read = await api.call("GET", "/transfers?status=PENDING");
    expect(read.status).toBe(503);
  });
});
