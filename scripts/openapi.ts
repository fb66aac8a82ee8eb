/**
 * `pnpm run openapi`: writes the API's OpenAPI document (packages/functions/src/api/openapi.json),
 * generated from the routes' declarations and core's schemas. Run it after changing a route or a
 * schema it uses; packages/functions/test/openapi.test.ts fails while the file is stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildOpenApiDocument } from "../packages/functions/src/api/openapi-document.ts";

export const OPENAPI_FILE = join(import.meta.dirname, "../packages/functions/src/api/openapi.json");
writeFileSync(OPENAPI_FILE, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${OPENAPI_FILE}`);
