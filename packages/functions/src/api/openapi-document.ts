/**
 * The OpenAPI document, generated from the routes' declarations and core's schemas: the very
 * objects that validate requests. Build-time only (`pnpm run openapi` writes openapi.json, which
 * the app serves): @hono/zod-openapi and classic zod stay out of the API's Lambda bundle.
 * openapi.test.ts fails when the served document differs from what this generates.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { mergePath } from "hono/utils/url";
import { ErrorBody } from "@ewallet/core/transfer/info";
import { classic, withClassicSchemas } from "./openapi-classic.ts";
import { RESOURCES } from "./resources.ts";

export function buildOpenApiDocument() {
  // Core's error shape is one named component, referenced by every error response.
  const named = new Map([[ErrorBody, (classic(ErrorBody) as unknown as z.ZodType).openapi("Error")]]);
  const app = new OpenAPIHono();
  for (const { path, router } of RESOURCES) {
    for (const route of router.documented) {
      app.openAPIRegistry.registerPath({ ...withClassicSchemas(route, named), path: mergePath(path, route.path) } as never);
    }
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "E-wallet transfers", version: "1.0.0", description: "Transfers between wallets, moved by a saga. Errors: { error: { code, message } }." },
    security: [{ bearer: [] }],
  });
}
