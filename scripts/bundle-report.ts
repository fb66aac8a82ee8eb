/**
 * `pnpm run bundle-report [--json]`: bundles every Lambda entry point the way infra deploys it
 * (ESM, minified, Node 22, everything it imports inlined) and prints its size and import time
 * next to the floor of what it must load, all measured in this one run:
 *   - bare node: `node -e 0`;
 *   - the DynamoDB floor: the DynamoDB client alone, with one command (status steps, sweep, API);
 *   - the Postgres floor: postgres.js alone (wallet steps, migrator).
 * Import times are medians of RUNS imports, taken round-robin across every bundle so that a load
 * change on the machine moves all figures alike. These are import times on this machine, not a
 * Lambda cold start.
 */
import { build, type BuildOptions } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { handlerEntry, SAGA_STEPS, STEP_NAMES } from "../packages/core/src/saga/registry.ts";

const RUNS = Number(process.env.BUNDLE_REPORT_RUNS ?? 15);
const json = process.argv.includes("--json");
const root = resolve(import.meta.dirname, "..");

type FloorName = "dynamodb" | "postgres";
interface Target {
  name: string;
  /** A handler's entry file, or a floor's source text. */
  entry: { file: string } | { source: string };
  /** What a handler is measured against (absent: the target is itself a floor). */
  floor?: FloorName;
}

const floors: Record<FloorName, Target> = {
  dynamodb: {
    name: "floor: DynamoDB client + one command",
    entry: {
      source: `import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
export const client = new DynamoDBClient({});
export const command = new GetItemCommand({ TableName: "t", Key: { pk: { S: "k" } } });`,
    },
  },
  postgres: {
    name: "floor: postgres.js",
    entry: { source: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });` },
  },
};
const handlers: Target[] = [
  { name: "api", entry: { file: "packages/functions/src/api/handler.ts" }, floor: "dynamodb" },
  { name: "migrate", entry: { file: "packages/functions/src/migrate.ts" }, floor: "postgres" },
  { name: "sweep", entry: { file: "packages/functions/src/sweep.ts" }, floor: "dynamodb" },
  // A step's Lambda bundles its registry handler's file (the store's steps share one).
  ...STEP_NAMES.map((key) => ({
    name: `step ${key}`,
    entry: { file: `${handlerEntry(key).file}.ts` },
    floor: SAGA_STEPS[key].store,
  })),
];

/** The goals of issue 12: wallet steps and the migrator near bare node; the rest near the DynamoDB floor. */
type Goal =
  | { kind: "absolute"; maxKiB: number; maxOverBareMs: number; text: string }
  | { kind: "floor"; maxSizeRatio: number; maxImportRatio: number; text: string };
function goal(target: Target): Goal {
  return target.floor === "postgres"
    ? { kind: "absolute", maxKiB: 100, maxOverBareMs: 30, text: "≤ 100 KiB and ≤ +30 ms over bare node" }
    : { kind: "floor", maxSizeRatio: 1.3, maxImportRatio: 1.3, text: "≤ 1.3× the DynamoDB floor (size and import)" };
}

const out = mkdtempSync(join(tmpdir(), "bundles-"));
const environment = {
  ...process.env,
  SST_RESOURCE_Transfers: '{"name":"t"}',
  SST_RESOURCE_Postgres: '{"host":"h","port":5432,"username":"u","password":"p","database":"d"}',
};

async function bundle(target: Target): Promise<string> {
  const file = join(out, `${target.name.replace(/\W+/g, "-")}.mjs`);
  const options: BuildOptions = {
    outfile: file,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node22",
    logLevel: "error",
    // As SST does for ESM bundles: give CommonJS dependencies a require().
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  };
  if ("file" in target.entry) await build({ ...options, entryPoints: [join(root, target.entry.file)] });
  // Floors resolve their packages from core, where handlers get them.
  else await build({ ...options, stdin: { contents: target.entry.source, resolveDir: join(root, "packages/core"), loader: "ts" } });
  return file;
}

function importOnceMs(file: string | undefined): number {
  const started = process.hrtime.bigint();
  execFileSync(process.execPath, file ? ["--input-type=module", "-e", `await import(${JSON.stringify(file)})`] : ["-e", "0"], { env: environment });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

try {
  const targets = [floors.dynamodb, floors.postgres, ...handlers];
  const files = new Map<Target, string>();
  for (const target of targets) files.set(target, await bundle(target));
  if (!json) process.stderr.write(`measuring ${targets.length + 1} imports × ${RUNS}, round-robin…\n`);

  const samples = new Map<Target | "bare", number[]>([["bare", []], ...targets.map((t) => [t, []] as [Target, number[]])]);
  for (let run = 0; run < RUNS; run++) {
    samples.get("bare")!.push(importOnceMs(undefined));
    for (const target of targets) samples.get(target)!.push(importOnceMs(files.get(target)));
  }
  const bareMs = median(samples.get("bare")!);
  const measured = new Map(
    targets.map((target) => [target, { kib: statSync(files.get(target)!).size / 1024, overBareMs: median(samples.get(target)!) - bareMs }]),
  );

  const lines: Record<string, unknown>[] = [{ name: "bare node", importMs: round(bareMs, 1), runs: RUNS }];
  for (const target of [floors.dynamodb, floors.postgres]) {
    const m = measured.get(target)!;
    lines.push({ name: target.name, bundleKiB: round(m.kib, 1), importOverBareMs: round(m.overBareMs, 1) });
  }
  for (const target of handlers) {
    const m = measured.get(target)!;
    const floor = measured.get(floors[target.floor!])!;
    const g = goal(target);
    const sizeRatio = m.kib / floor.kib;
    // postgres.js loads within the noise of bare node: a ratio to ~0 ms says nothing, so none is given.
    const importRatio = floor.overBareMs >= 5 ? m.overBareMs / floor.overBareMs : undefined;
    const within =
      g.kind === "absolute"
        ? m.kib <= g.maxKiB && m.overBareMs <= g.maxOverBareMs
        : sizeRatio <= g.maxSizeRatio && importRatio !== undefined && importRatio <= g.maxImportRatio;
    lines.push({
      name: target.name,
      bundleKiB: round(m.kib, 1),
      importOverBareMs: round(m.overBareMs, 1),
      floor: floors[target.floor!].name,
      sizeRatioToFloor: round(sizeRatio),
      importRatioToFloor: importRatio === undefined ? null : round(importRatio),
      goal: g.text,
      withinGoal: within,
    });
  }

  if (json) {
    for (const line of lines) console.log(JSON.stringify(line));
  } else {
    console.log(`bare node: ${bareMs.toFixed(0)} ms (median of ${RUNS}); import times are over bare node, on this machine\n`);
    console.log("bundle".padEnd(40) + "KiB".padStart(8) + "import ms".padStart(11) + "size×floor".padStart(12) + "import×floor".padStart(14) + "  goal");
    for (const line of lines.slice(1)) {
      const ratio = (value: unknown) => (typeof value === "number" ? `${value.toFixed(2)}×` : "");
      console.log(
        String(line.name).padEnd(40) +
          String(Math.round(line.bundleKiB as number)).padStart(8) +
          `+${Math.round(line.importOverBareMs as number)}`.padStart(11) +
          ratio(line.sizeRatioToFloor).padStart(12) +
          ratio(line.importRatioToFloor).padStart(14) +
          (line.goal ? `  ${line.withinGoal ? "met" : "MISSED"}: ${line.goal}` : ""),
      );
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
