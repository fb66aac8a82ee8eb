/** Authentication and authorization of the API, with tokens from the development issuer. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevIssuer } from "../src/dev-issuer.ts";
import { DEMO_USERS, startRuntime, type Runtime } from "../src/stack.ts";
import { apiClient, OPERATOR } from "./api-client.ts";

let runtime: Runtime;
let api: ReturnType<typeof apiClient>;
let alicesTransferId: string;

beforeAll(async () => {
  runtime = await startRuntime({ seed: DEMO_USERS, retryScale: 0.01 });
  api = apiClient(runtime.apiUrl, runtime.token);
  const created = await api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "1.00" });
  expect(created.status).toBe(201);
  alicesTransferId = created.body.transferId;
});
afterAll(async () => {
  await runtime?.stop();
});

async function raw(path: string, authorization?: string, init: RequestInit = {}) {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}), ...(init.headers ?? {}) },
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
}

describe("authentication", () => {
  it("refuses every route without a token (401), before validating anything", async () => {
    for (const [method, path] of [["GET", "/transfers"], ["GET", `/transfers/${alicesTransferId}`], ["GET", "/accounts/alice"], ["GET", "/accounts"], ["POST", "/transfers"]] as const) {
      const response = await raw(path, undefined, { method, body: method === "POST" ? "{}" : undefined });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.body.error.code).toBe("UNAUTHENTICATED");
    }
  });

  it("refuses malformed, foreign and expired tokens", async () => {
    expect((await raw("/accounts/alice", "Bearer not-a-jwt")).body.error.code).toBe("INVALID_TOKEN");
    expect((await raw("/accounts/alice", "Basic YWxpY2U6eA==")).status).toBe(401);
    const stranger = await createDevIssuer();
    const forged = await stranger.sign("alice", { admin: true });
    const response = await raw("/accounts/alice", `Bearer ${forged}`);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("INVALID_TOKEN");
    const expired = await runtime.token("alice", { ttlSeconds: -10 });
    expect((await raw("/accounts/alice", `Bearer ${expired}`)).body.error.code).toBe("TOKEN_EXPIRED");
  });

  it("serves the OpenAPI description without a token, generated from the validating schemas", async () => {
    const response = await raw("/openapi.json");
    expect(response.status).toBe(200);
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(["/transfers", "/transfers/{transferId}", "/accounts", "/accounts/{userId}"]));
    expect(response.body.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    const body = response.body.paths["/transfers"].post.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["senderUserId", "receiverUserId", "amount"]));
  });
});

describe("behind API Gateway's JWT authorizer", () => {
  // What hono/aws-lambda hands the app: the API Gateway event, whose authorizer verified the token.
  const gatewayEnv = (claims: Record<string, unknown>) => ({ event: { requestContext: { authorizer: { jwt: { claims } } } } });
  // The wallet is the username's (`username` in access tokens, `cognito:username` in ID tokens); `sub` is opaque.
  const claimsOf = (username: string, extra: Record<string, unknown> = {}) => ({
    iss: process.env.AUTH_ISSUER,
    aud: process.env.AUTH_AUDIENCE,
    sub: `sub-of-${username}`,
    "cognito:username": username,
    exp: String(Math.floor(Date.now() / 1000) + 60),
    ...extra,
  });

  // The app as the Lambda composes it (handler.ts): the caller from the authorizer's claims.
  const lambdaApp = async () => {
    const [{ createApp }, { fromAuthorizerClaims }] = await Promise.all([import("@ewallet/functions/api/app"), import("@ewallet/functions/api/caller")]);
    return createApp({ authenticate: fromAuthorizerClaims });
  };

  it("takes the caller from the verified claims, with the same rules", async () => {
    const app = await lambdaApp();
    expect((await app.request("/accounts/alice", {}, gatewayEnv(claimsOf("alice")))).status).toBe(200);
    expect((await app.request("/accounts/alice", {}, gatewayEnv(claimsOf("carol")))).status).toBe(403);
    // API Gateway flattens the groups array into a string.
    expect((await app.request("/accounts", {}, gatewayEnv(claimsOf("operator", { "cognito:groups": "[admin]" })))).status).toBe(200);
    expect((await app.request("/accounts", {}, gatewayEnv(claimsOf("operator", { "cognito:groups": "[readers]" })))).status).toBe(403);
  });

  it("refuses a request that reaches the Lambda without the authorizer's claims, even with a valid token", async () => {
    const app = await lambdaApp();
    const token = await runtime.token("alice");
    for (const env of [undefined, { event: { requestContext: {} } }, { event: { requestContext: { authorizer: {} } } }]) {
      const response = await app.request("/accounts/alice", { headers: { authorization: `Bearer ${token}` } }, env);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
    }
    // The offline server, which verifies tokens itself, accepts the same token.
    expect((await raw("/accounts/alice", `Bearer ${token}`)).status).toBe(200);
  });

  it("refuses claims from another issuer or audience", async () => {
    const app = await lambdaApp();
    const other = await app.request("/accounts/alice", {}, gatewayEnv(claimsOf("alice", { iss: "https://elsewhere" })));
    expect(other.status).toBe(401);
    expect((await app.request("/accounts/alice", {}, gatewayEnv(claimsOf("alice", { aud: "another-client" })))).status).toBe(401);
    // Cognito access tokens carry the app client in client_id instead of aud.
    const access = claimsOf("alice", { aud: undefined, "cognito:username": undefined, username: "alice", client_id: process.env.AUTH_AUDIENCE, token_use: "access" });
    expect((await app.request("/accounts/alice", {}, gatewayEnv(access))).status).toBe(200);
  });

  it("names the caller by username, never by the opaque sub", async () => {
    const app = await lambdaApp();
    // A subject that happens to equal someone's handle grants nothing: the username decides.
    const carolWithAlicesSub = claimsOf("carol", { sub: "alice" });
    expect((await app.request("/accounts/alice", {}, gatewayEnv(carolWithAlicesSub))).status).toBe(403);
    const nameless = claimsOf("alice", { "cognito:username": undefined });
    const refused = await app.request("/accounts/alice", {}, gatewayEnv(nameless));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("INVALID_TOKEN");
  });
});

describe("authorization", () => {
  it("lets a user send only from their own wallet (403 otherwise, nothing written)", async () => {
    const before = (await api.listTransfers({ user: "alice" })).body.items.length;
    const stolen = await api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "5.00" }, "steal-1", "bob");
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.code).toBe("FORBIDDEN");
    const byOperator = await api.createTransfer({ senderUserId: "alice", receiverUserId: "bob", amount: "5.00" }, "steal-2", OPERATOR);
    expect(byOperator.status).toBe(403);
    expect((await api.listTransfers({ user: "alice" })).body.items.length).toBe(before);
    const own = await api.createTransfer({ senderUserId: "bob", receiverUserId: "alice", amount: "2.00" }, "own-1", "bob");
    expect(own.status).toBe(201);
  });

  it("lets users read only their own account and transfers; operators read everything", async () => {
    expect((await api.call("GET", "/accounts/alice", { as: "alice" })).status).toBe(200);
    expect((await api.call("GET", "/accounts/alice", { as: "carol" })).status).toBe(403);
    expect((await api.call("GET", "/accounts/alice", { as: OPERATOR })).status).toBe(200);

    expect((await api.call("GET", `/transfers/${alicesTransferId}`, { as: "alice" })).status).toBe(200);
    expect((await api.call("GET", `/transfers/${alicesTransferId}`, { as: "bob" })).status).toBe(200); // the receiver
    expect((await api.call("GET", `/transfers/${alicesTransferId}`, { as: "carol" })).status).toBe(403);
    expect((await api.call("GET", `/transfers/${alicesTransferId}`, { as: OPERATOR })).status).toBe(200);

    expect((await api.call("GET", "/transfers?user=alice", { as: "carol" })).status).toBe(403);
    const mine = await api.call("GET", "/transfers", { as: "carol" });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([]);
    const everyone = await api.call("GET", "/transfers", { as: OPERATOR });
    expect(everyone.body.items.length).toBeGreaterThanOrEqual(2);

    expect((await api.call("GET", "/accounts", { as: "alice" })).status).toBe(403);
    expect((await api.call("GET", "/accounts", { as: OPERATOR })).status).toBe(200);
  });

  it("scopes Idempotency-Keys to the caller: one key used by two users makes two transfers", async () => {
    const a = await api.createTransfer({ senderUserId: "carol", receiverUserId: "dave", amount: "1.00" }, "shared-key", "carol");
    const b = await api.createTransfer({ senderUserId: "dave", receiverUserId: "carol", amount: "1.00" }, "shared-key", "dave");
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.transferId).not.toBe(b.body.transferId);
  });
});
