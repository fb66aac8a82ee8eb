/**
 * The OpenAPI document is generated at build time (`pnpm run openapi` writes src/api/openapi.json)
 * from the same route declarations and core schemas that validate requests. In the cloud a function
 * of its own serves it (openapi-function.ts, routed by infra/api.ts), offline the app does; both
 * answers are checked here against what the schemas generate now, so a stale file fails.
 * (bundles.test.ts keeps the generator and the document out of the API's Lambda.)
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { fromAuthorizerClaims } from "../src/api/caller.ts";
import { buildOpenApiDocument } from "../src/api/openapi-document.ts";
import { handler, OPENAPI_DOCUMENT } from "../src/api/openapi-function.ts";

describe("the OpenAPI document", () => {
  it("is served offline exactly as the routes' schemas generate it, without a token (run `pnpm run openapi` after changing them)", async () => {
    const response = await createApp({ authenticate: fromAuthorizerClaims, openApiDocument: OPENAPI_DOCUMENT }).request("/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const served = await response.text();
    const generated = buildOpenApiDocument();
    expect(JSON.parse(served)).toEqual(generated); // a readable difference first
    expect(served).toBe(JSON.stringify(generated));
  });

  it("is served in the cloud by its own function, byte for byte as offline", async () => {
    const response = await handler();
    expect(response).toEqual({ statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(buildOpenApiDocument()), isBase64Encoded: false });
  });

  it("is not served by the API's Lambda app (API Gateway routes its path to that function)", async () => {
    const response = await createApp({ authenticate: fromAuthorizerClaims }).request("/openapi.json");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("names core's error shape once and references it from every error response", () => {
    const document = buildOpenApiDocument();
    expect(Object.keys(document.components?.schemas ?? {})).toEqual(["Error"]);
    const errorStatuses = Object.values(document.paths ?? {}).flatMap((item) =>
      Object.values(item as Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>).flatMap((op) =>
        Object.entries(op.responses).filter(([status]) => Number(status) >= 400),
      ),
    );
    expect(errorStatuses.length).toBeGreaterThan(0);
    for (const [, response] of errorStatuses) expect(response.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Error" });
  });
});
