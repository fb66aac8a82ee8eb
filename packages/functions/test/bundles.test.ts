/**
 * What each Lambda bundle must not carry (issue 12: cold start). Bundled as infra deploys them
 * (esbuild, ESM, Node 22); `pnpm run bundle-report` measures them, these tests keep out what was
 * taken out: a barrel import or a classic zod schema on the path puts it back silently.
 */
import { build } from "esbuild";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { handlerEntry, STEP_NAMES, SAGA_STEPS } from "@ewallet/core/saga/registry";

const root = join(import.meta.dirname, "../../..");

async function bundle(file: string) {
  const result = await build({
    entryPoints: [join(root, file)],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    write: false,
    metafile: true,
    outfile: "out.mjs",
    logLevel: "error",
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  return { inputs: Object.keys(result.metafile.inputs), externals: output.imports.filter((i) => i.external).map((i) => i.path) };
}

const CLASSIC_ZOD = /zod\/v4\/classic\//;
const stepFiles = (store: "postgres" | "dynamodb") => [
  ...new Set(STEP_NAMES.filter((step) => SAGA_STEPS[step].store === store).map((step) => `${handlerEntry(step).file}.ts`)),
];
const walletStepFiles = stepFiles("postgres");
const statusStepFiles = stepFiles("dynamodb");

describe("Lambda bundles", () => {
  it("the API carries neither classic zod nor the OpenAPI generator (its document is generated at build time)", async () => {
    const { inputs } = await bundle("packages/functions/src/api/handler.ts");
    expect(inputs.some((file) => file.includes("zod/v4/mini/"))).toBe(true); // core's schemas are there, validating
    const generator = /@hono\/zod-openapi|@asteasolutions\/zod-to-openapi|openapi-(document|classic)\.ts/;
    expect(inputs.filter((file) => CLASSIC_ZOD.test(file) || generator.test(file))).toEqual([]);
  });

  it("the API verifies no token itself: no jose (API Gateway's JWT authorizer did; the Lambda maps its claims)", async () => {
    const { inputs } = await bundle("packages/functions/src/api/handler.ts");
    expect(inputs.some((file) => file.endsWith("core/src/auth.ts"))).toBe(true); // the claims → caller mapping is there
    expect(inputs.filter((file) => /node_modules\/.*jose\/|core\/src\/auth-token\.ts$|api\/caller-token\.ts$/.test(file))).toEqual([]);
  });

  it("the API carries no OpenAPI document; its own function serves it, and loads nothing else", async () => {
    const api = await bundle("packages/functions/src/api/handler.ts");
    expect(api.inputs.some((file) => file.endsWith("api/app.ts"))).toBe(true);
    expect(api.inputs.filter((file) => /api\/(openapi\.json|openapi-function\.ts)$/.test(file))).toEqual([]);
    const document = await bundle("packages/functions/src/api/openapi-function.ts");
    expect(document.inputs.map((file) => file.replace(/^.*packages\/functions\/src\//, "")).sort()).toEqual(["api/openapi-function.ts", "api/openapi.json"]);
  });

  it("the API routes with hono/tiny's PatternRouter, not the default preset's RegExpRouter and TrieRouter", async () => {
    const { inputs } = await bundle("packages/functions/src/api/handler.ts");
    expect(inputs.some((file) => file.includes("hono/dist/router/pattern-router/"))).toBe(true);
    expect(inputs.filter((file) => /hono\/dist\/(router\/(reg-exp|trie|smart)-router\/|hono\.js$)/.test(file))).toEqual([]);
  });

  it.each(["packages/functions/src/sweep.ts", "packages/functions/src/seed-demo.ts", "packages/functions/src/auth/pre-sign-up.ts", ...new Set(STEP_NAMES.map((step) => `${handlerEntry(step).file}.ts`))])(
    "%s carries no classic zod (core's schemas are zod/mini)",
    async (file) => {
      const { inputs } = await bundle(file);
      expect(inputs.filter((input) => CLASSIC_ZOD.test(input))).toEqual([]);
    },
  );

  it.each(walletStepFiles)("the wallet steps (%s) load only the money path: no classic zod, no read or API schemas", async (file) => {
    const { inputs } = await bundle(file);
    expect(inputs.some((input) => input.endsWith("core/src/wallet/money.ts"))).toBe(true);
    const offPath = /core\/src\/(wallet\/(wallet|reads|accounts|schema)|transfer\/info)\.ts$/;
    expect(inputs.filter((input) => CLASSIC_ZOD.test(input) || offPath.test(input))).toEqual([]);
  });

  it.each(["packages/functions/src/sweep.ts", ...statusStepFiles])(
    "%s loads neither transfer creation (the Transfer barrel) nor the API's and the wallet's schemas",
    async (file) => {
      const { inputs } = await bundle(file);
      expect(inputs.some((input) => input.endsWith("core/src/transfer/transitions.ts"))).toBe(true);
      const offPath = /core\/src\/(transfer\/(transfer|create|info)|idempotency|wallet\/schema)\.ts$/;
      expect(inputs.filter((input) => offPath.test(input))).toEqual([]);
    },
  );

  it.each(["packages/functions/src/api/handler.ts", "packages/functions/src/sweep.ts", ...statusStepFiles])(
    "%s sends compiled access plans with the bare client: no ElectroDB, its schema validator or the document client",
    async (file) => {
      const { inputs } = await bundle(file);
      expect(inputs.some((input) => input.endsWith("core/src/transfer/store.ts"))).toBe(true);
      const buildTime = /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(electrodb|jsonschema|@aws-sdk\/lib-dynamodb)\/|core\/src\/transfer\/(entities|plans)\.ts$/;
      expect(inputs.filter((input) => buildTime.test(input))).toEqual([]);
    },
  );

  it("the API loads neither the saga's moves nor their plans (no Transfer barrel)", async () => {
    const { inputs } = await bundle("packages/functions/src/api/handler.ts");
    expect(inputs.filter((input) => /core\/src\/transfer\/(transfer|transitions)\.ts$|plans\/move\.json$/.test(input))).toEqual([]);
  });

  it.each(["packages/functions/src/migrate.ts", ...walletStepFiles])(
    "%s does not import the 'process' builtin (its ES module facade costs ≈ 5 ms; patches/sst@3.19.3.patch)",
    async (file) => {
      const { inputs, externals } = await bundle(file);
      expect(inputs.some((input) => input.includes("sst/dist/resource.js"))).toBe(true); // SST's Resource is there
      expect(externals.filter((path) => path === "process" || path === "node:process")).toEqual([]);
    },
  );
});
