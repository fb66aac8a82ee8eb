/**
 * `pnpm run bundle-report`: bundles every Lambda entry point the way infra deploys it
 * (ESM, minified, Node 22, everything it imports inlined) and prints size and cold import
 * time next to a bare `node -e 0`, measured side by side in one run.
 */
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAGA_STEPS } from "../packages/core/src/saga/steps.ts";

const entries: Record<string, string> = {
  api: "packages/functions/src/api/handler.ts",
  migrate: "packages/functions/src/migrate.ts",
  sweep: "packages/functions/src/sweep.ts",
  ...Object.fromEntries(Object.entries(SAGA_STEPS).map(([key, step]) => [`step ${key}`, `packages/functions/src/${step.handler.replace(/\.handler$/, ".ts")}`])),
};

const out = mkdtempSync(join(tmpdir(), "bundles-"));
const runs = 5;
function importMs(file: string | undefined): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, file ? ["--input-type=module", "-e", `await import(${JSON.stringify(file)})`] : ["-e", "0"], {
      env: { ...process.env, SST_RESOURCE_Transfers: '{"name":"t"}', SST_RESOURCE_Postgres: '{"host":"h","port":5432,"username":"u","password":"p","database":"d"}' },
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

try {
  const bare = importMs(undefined);
  console.log(`bare node: ${bare.toFixed(0)} ms (median of ${runs})\n`);
  console.log("handler".padEnd(22) + "bundle KiB".padStart(12) + "import ms (over bare)".padStart(24));
  for (const [name, entry] of Object.entries(entries)) {
    const file = join(out, `${name.replace(/\W+/g, "-")}.mjs`);
    await build({
      entryPoints: [entry],
      outfile: file,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "node",
      target: "node22",
      logLevel: "error",
      // As SST does for ESM bundles: give CommonJS dependencies a require().
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const kib = statSync(file).size / 1024;
    const ms = importMs(file) - bare;
    console.log(name.padEnd(22) + kib.toFixed(0).padStart(12) + `+${ms.toFixed(0)}`.padStart(24));
  }
  writeFileSync(join(out, ".done"), "");
} finally {
  rmSync(out, { recursive: true, force: true });
}
