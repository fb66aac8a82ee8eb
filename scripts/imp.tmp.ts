import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
const RUNS = Number(process.env.RUNS ?? 21);
const opts = { bundle: true, minify: true, format: "esm" as const, platform: "node" as const, target: "node22", logLevel: "error" as const, banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } };
const variants: Record<string, string> = {
  pg: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });`,
  pgEnv: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nexport const e = { ...process.env, ...globalThis.process?.env };`,
  pgCrypto: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nimport { readFileSync } from "fs"; import { env } from "process"; export const f = [readFileSync, env];`,
  pgProc: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nimport { env } from "process"; export const f = env;`,
  pgZodCore: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nimport * as z from "zod/mini"; export const s = z.object({a: z.string()});`,
  pgZodEn: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nimport * as z from "./src/util/zod.ts"; export const s = z.object({a: z.string()});`,
  pgAls: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nimport { AsyncLocalStorage } from "node:async_hooks"; export const a = new AsyncLocalStorage();`,
  pgSst: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nimport { Resource } from "sst"; export const r = Resource.Postgres;`,
  pgDoc: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });\nimport { StepEvent } from "./src/saga/document.ts"; export const r = StepEvent;`,
};
const files: Record<string, string> = {};
for (const [k, src] of Object.entries(variants)) { files[k] = `/tmp/wt12/${k}.mjs`; await build({ ...opts, outfile: files[k], stdin: { contents: src, resolveDir: "/work/wt-12/packages/core", loader: "ts" } }); }
for (const e of process.argv.slice(2)) { const k = e.split("/").pop()!; files[k] = `/tmp/wt12/${k}.mjs`; await build({ ...opts, outfile: files[k], entryPoints: [join("/work/wt-12", e)] }); }
const env = { ...process.env, SST_RESOURCE_Transfers: '{"name":"t"}', SST_RESOURCE_Postgres: '{"host":"h","port":5432,"username":"u","password":"p","database":"d"}' };
const t = (f?: string) => { const o = execFileSync(process.execPath, ["--input-type=module", "-e", (f ? `await import(${JSON.stringify(f)});` : "") + "const u = process.cpuUsage(); console.log((u.user + u.system) / 1000)"], { env }); return Number(String(o).trim()); };
const samples: Record<string, number[]> = { bare: [] }; for (const k in files) samples[k] = [];
for (let i = 0; i < RUNS; i++) { samples.bare!.push(t()); for (const k in files) samples[k]!.push(t(files[k])); }
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const bare = med(samples.bare!);
console.log("bare", bare.toFixed(1));
for (const k in files) console.log(k.padEnd(20), (statSync(files[k]!).size / 1024).toFixed(1).padStart(7), "KiB", ("+" + (med(samples[k]!) - bare).toFixed(1)).padStart(7), "ms");
