/**
 * `GET /openapi.json` (OPENAPI_PATH, public.ts) in the cloud: the API's description, public and rarely read, served by a
 * function of its own (infra/api.ts), so the API's Lambda does not load the document on every
 * cold start (issue 12). Offline, the app serves the same document at the same path
 * (`createApp`'s `openApiDocument`, given by packages/local). Generated at build time from the
 * routes' schemas (`pnpm run openapi`); test/openapi.test.ts checks both answers against them.
 */
import document from "./openapi.json" with { type: "json" };

export const OPENAPI_DOCUMENT: unknown = document;

/** The bytes Hono's `c.json` writes for the same document offline: compact JSON. */
const body = JSON.stringify(document);

/** API Gateway's HTTP API (payload 2.0) takes this result as the response; the route passes no input. */
export async function handler() {
  return { statusCode: 200, headers: { "content-type": "application/json" }, body, isBase64Encoded: false };
}
