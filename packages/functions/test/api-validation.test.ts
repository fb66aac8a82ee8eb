/**
 * Requests refused at the edge, with the exact answers they got when @hono/zod-openapi validated
 * them (recorded from that implementation before the routes moved to plain Hono with the same core
 * schemas, issue 12): the statuses, codes, field paths and messages must not change.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/api/app.ts";
import { fromAuthorizerClaims } from "../src/api/caller.ts";

const claims = (user: string, admin: boolean) => ({
  iss: "https://issuer.test",
  aud: "audience-test",
  sub: `sub-of-${user}`,
  "cognito:username": user,
  exp: String(Math.floor(Date.now() / 1000) + 60),
  ...(admin ? { "cognito:groups": "[admin]" } : {}),
});
// As hono/aws-lambda hands the app API Gateway's event, whose authorizer verified the token.
const gateway = (user: string, admin: boolean) => ({ event: { requestContext: { authorizer: { jwt: { claims: claims(user, admin) } } } } });
const json = { "content-type": "application/json" };

/** [path, request, as an operator, status, body]. */
const cases: [string, RequestInit, boolean, number, unknown][] = [
  ["/accounts/alice?limit=0", {}, false, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "limit", "message": "Too small: expected number to be >=1"}]}}],
  ["/accounts/alice?limit=1.5", {}, false, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "limit", "message": "Invalid input: expected int, received number"}]}}],
  ["/accounts/alice?limit=x", {}, false, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "limit", "message": "Invalid input: expected number, received NaN"}]}}],
  ["/accounts/alice?limit=201", {}, false, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "limit", "message": "Too big: expected number to be <=200"}]}}],
  ["/accounts/alice?limit=1&limit=2", {}, false, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "limit", "message": "Invalid input: expected number, received NaN"}]}}],
  ["/accounts/bad%20id", {}, false, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "userId", "message": "user id must be 1–128 characters: letters, digits, '_', '.', '@', '-'"}]}}],
  ["/transfers?limit=0", {}, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "limit", "message": "Too small: expected number to be >=1"}]}}],
  ["/transfers?limit=101&status=NOPE", {}, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "status", "message": "Invalid option: expected one of \"PENDING\"|\"PROCESSING\"|\"SUCCEEDED\"|\"FAILED\"|\"REQUIRES_ATTENTION\""}, {"path": "limit", "message": "Too big: expected number to be <=100"}]}}],
  ["/transfers?cursor=" + "x".repeat(2049), {}, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "cursor", "message": "Too big: expected string to have <=2048 characters"}]}}],
  ["/transfers?user=bad%20id", {}, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "user", "message": "user id must be 1–128 characters: letters, digits, '_', '.', '@', '-'"}]}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { ...json, "idempotency-key": "k1" }, body: JSON.stringify({ amount: "1.00", extra: 1 }) }, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "(root)", "message": "Unrecognized key: \"extra\""}]}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { ...json, "idempotency-key": "k1" }, body: JSON.stringify({ amount: "0" }) }, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "amount", "message": "amount must be greater than zero"}]}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { ...json, "idempotency-key": "k1" }, body: JSON.stringify({}) }, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "amount", "message": "amount must be a decimal string such as \"12.34\""}]}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { ...json, "idempotency-key": "k1" }, body: "[1]" }, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "(root)", "message": "Invalid input: expected object, received array"}]}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { ...json, "idempotency-key": "k1" }, body: "{nope" }, true, 400, {"error": {"code": "BAD_REQUEST", "message": "Malformed JSON in request body"}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { "content-type": "text/plain", "idempotency-key": "k1" }, body: "amount=1" }, true, 415, {"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "message": "Unsupported Media Type"}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { "content-type": "application/json;", "idempotency-key": "k1" }, body: "{}" }, true, 415, {"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "message": "Unsupported Media Type"}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { "idempotency-key": "k1" }, body: "{}" }, true, 415, {"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "message": "Unsupported Media Type"}}],
  ["/accounts/alice/deposits", { method: "POST", headers: { "idempotency-key": "k1" } }, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "amount", "message": "amount must be a decimal string such as \"12.34\""}]}}],
  ["/accounts/bad%20id/deposits", { method: "POST", headers: { ...json }, body: JSON.stringify({ amount: 5 }) }, true, 400, {"error": {"code": "VALIDATION_FAILED", "message": "The request is invalid", "fields": [{"path": "userId", "message": "user id must be 1–128 characters: letters, digits, '_', '.', '@', '-'"}]}}],
  ["/transfers", { method: "POST", headers: { "content-type": "text/plain", "idempotency-key": "k1" }, body: "x" }, false, 415, {"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "message": "Unsupported Media Type"}}],
  // The create body is core's to judge, but it passes the same media-type gate as the deposit's.
  ["/transfers", { method: "POST", headers: { "content-type": "application/json;", "idempotency-key": "k1" }, body: "{}" }, false, 415, {"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "message": "Unsupported Media Type"}}],
  ["/transfers", { method: "POST", headers: { "idempotency-key": "k1" }, body: "{}" }, false, 415, {"error": {"code": "UNSUPPORTED_MEDIA_TYPE", "message": "Unsupported Media Type"}}],
  ["/transfers", { method: "POST", headers: { ...json, "idempotency-key": "k1" }, body: "{nope" }, false, 400, {"error": {"code": "BAD_REQUEST", "message": "Malformed JSON in request body"}}],
  ["/transfers/abc", {}, false, 404, {"error": {"code": "TRANSFER_NOT_FOUND", "message": "No transfer abc"}}],
];

describe("requests refused by the routes' schemas", () => {
  beforeAll(() => {
    vi.stubEnv("AUTH_ISSUER", "https://issuer.test");
    vi.stubEnv("AUTH_AUDIENCE", "audience-test");
  });
  afterAll(() => vi.unstubAllEnvs());

  const app = createApp({ authenticate: fromAuthorizerClaims });
  it.each(cases.map(([path, init, admin, status, body]) => ({ name: `${init.method ?? "GET"} ${path.slice(0, 50)}`, path, init, admin, status, body })))(
    "$name",
    async ({ path, init, admin, status, body }) => {
      const response = await app.request(path, init, gateway(admin ? "operator" : "alice", admin));
      expect({ status: response.status, body: await response.json() }).toEqual({ status, body });
    },
  );
});
