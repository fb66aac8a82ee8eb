/**
 * The OpenAPI document is generated at build time (`pnpm run openapi` writes src/api/openapi.json)
 * from the same route declarations and core schemas that validate requests. The API serves the
 * file; these tests fail when it is stale. (bundles.test.ts keeps the generator out of the bundle.)
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { fromAuthorizerClaims } from "../src/api/caller.ts";
import { buildOpenApiDocument } from "../src/api/openapi-document.ts";

describe("the OpenAPI document", () => {
  it("is served exactly as the routes' schemas generate it (run `pnpm run openapi` after changing them)", async () => {
    const response = await createApp({ authenticate: fromAuthorizerClaims }).request("/openapi.json");
    expect(response.status).toBe(200);
    const served = await response.text();
    const generated = buildOpenApiDocument();
    expect(JSON.parse(served)).toEqual(generated); // a readable difference first
    expect(served).toBe(JSON.stringify(generated));
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
