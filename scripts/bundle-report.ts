/**
 * `pnpm run bundle-report [--json]`: bundles every Lambda entry point the way infra deploys it
 * (ESM, minified, Node 22, everything it imports inlined) and prints its size and import time
 * next to the floor of what it must load, all measured in this one run:
 *   - bare node: `node -e 0`;
 *   - the DynamoDB floor: the DynamoDB client alone, with one command (status steps, sweep, API);
 *   - the Postgres floor: postgres.js alone (wallet steps, migrator).
 * Import times are medians of RUNS imports, taken round-robin across every bundle so that a load
 * change on the machine moves all figures alike. These are import times on this machine, not a
 * Lambda cold start. Beside each wall-clock figure, the CPU time the import took (user + system,
 * as the child reports it): waiting for a shared CPU inflates the first, much less the second.
 *
 * A reference line, the DynamoDB client with ElectroDB (what the transfers table is modelled with),
 * shows what ElectroDB would cost a handler at run time: none loads it (core sends compiled plans). `--packages` adds, per handler, the
 * KiB each package adds over its floor (esbuild's metafile).
 */
import { build, type BuildOptions } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { handlerEntry, SAGA_STEPS, STEP_NAMES } from "../packages/core/src/saga/registry.ts";

const RUNS = Number(process.env.BUNDLE_REPORT_RUNS ?? 15);
const json = process.argv.includes("--json");
const byPackage = process.argv.includes("--packages");
const root = resolve(import.meta.dirname, "..");

type FloorName = "dynamodb" | "postgres";
const DYNAMODB_FLOOR = `import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
export const client = new DynamoDBClient({});
export const command = new GetItemCommand({ TableName: "t", Key: { pk: { S: "k" } } });`;
interface Target {
  name: string;
  /** A handler's entry file, or a floor's source text. */
  entry: { file: string } | { source: string };
  /** What a handler is measured against ("none": a small function held to the absolute goal; absent: the target is itself a floor). */
  floor?: FloorName | "none";
}

const floors: Record<FloorName, Target> = {
  dynamodb: {
    name: "floor: DynamoDB client + one command",
    entry: { source: DYNAMODB_FLOOR },
  },
  postgres: {
    name: "floor: postgres.js",
    entry: { source: `import postgres from "postgres";\nexport const sql = postgres({ host: "h", max: 1 });` },
  },
};
/** Not a goal: what ElectroDB would cost a handler on the DynamoDB floor (core/src/transfer/plans.ts compiles it away). */
const electroDb: Target = {
  name: "reference: DynamoDB client + ElectroDB",
  entry: { source: `${DYNAMODB_FLOOR}\nexport { Entity, Service } from "electrodb";` },
  floor: "dynamodb",
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
  // The stage's other functions (infra/): no store of their own to compare with, held to the small handlers' goal.
  { name: "api document (GET /openapi.json)", entry: { file: "packages/functions/src/api/openapi-function.ts" }, floor: "none" },
  { name: "pre sign-up (Cognito trigger)", entry: { file: "packages/functions/src/auth/pre-sign-up.ts" }, floor: "none" },
  { name: "seed demo (non-production deploys)", entry: { file: "packages/functions/src/seed-demo.ts" }, floor: "postgres" },
];

/** The goals of issue 12: wallet steps and the migrator near bare node; the rest near the DynamoDB floor. */
type Goal =
  | { kind: "absolute"; maxKiB: number; maxOverBareMs: number; text: string }
  | { kind: "floor"; maxSizeRatio: number; maxImportRatio: number; text: string };
function goal(target: Target): Goal {
  return target.floor !== "dynamodb"
    ? { kind: "absolute", maxKiB: 100, maxOverBareMs: 30, text: "≤ 100 KiB and ≤ +30 ms over bare node" }
    : { kind: "floor", maxSizeRatio: 1.3, maxImportRatio: 1.3, text: "≤ 1.3× the DynamoDB floor (size and import)" };
}

const out = mkdtempSync(join(tmpdir(), "bundles-"));
const environment = {
  ...process.env,
  SST_RESOURCE_Transfers: '{"name":"t"}',
  SST_RESOURCE_Postgres: '{"host":"h","port":5432,"username":"u","password":"p","database":"d"}',
};

/** The package a bundled input comes from (its name under node_modules), or the workspace package. */
function packageOf(input: string): string {
  const match = input.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  return match ? match[1]! : (input.match(/packages\/[^/]+/)?.[0] ?? input);
}

async function bundle(target: Target): Promise<{ file: string; kibByPackage: Map<string, number> }> {
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
  const result =
    "file" in target.entry
      ? await build({ ...options, metafile: true, entryPoints: [join(root, target.entry.file)] })
      : // Floors resolve their packages from core, where handlers get them.
        await build({ ...options, metafile: true, stdin: { contents: target.entry.source, resolveDir: join(root, "packages/core"), loader: "ts" } });
  const kibByPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0]!.inputs)) {
    const name = packageOf(input);
    kibByPackage.set(name, (kibByPackage.get(name) ?? 0) + bytesInOutput / 1024);
  }
  return { file, kibByPackage };
}

/** What a bundle carries beyond its floor, by package, largest first (KiB; only differences ≥ 0.5 KiB). */
function overFloor(bundleKiB: Map<string, number>, floorKiB: Map<string, number>): Record<string, number> {
  const names = new Set([...bundleKiB.keys(), ...floorKiB.keys()]);
  const rows = [...names].map((name) => [name, (bundleKiB.get(name) ?? 0) - (floorKiB.get(name) ?? 0)] as const);
  return Object.fromEntries(rows.filter(([, kib]) => Math.abs(kib) >= 0.5).sort((a, b) => b[1] - a[1]).map(([name, kib]) => [name, round(kib, 1)]));
}

/** One import in a fresh node: its wall-clock time, and the CPU time (user + system) the child reports. */
function importOnce(file: string | undefined): { wallMs: number; cpuMs: number } {
  const started = process.hrtime.bigint();
  const load = file ? `await import(${JSON.stringify(file)});` : "";
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", `${load}const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000));`], {
    env: environment,
  });
  return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: Number(String(output)) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

try {
  const targets = [floors.dynamodb, floors.postgres, electroDb, ...handlers];
  const bundles = new Map<Target, Awaited<ReturnType<typeof bundle>>>();
  for (const target of targets) bundles.set(target, await bundle(target));
  if (!json) process.stderr.write(`measuring ${targets.length + 1} imports × ${RUNS}, round-robin…\n`);

  const wall = new Map<Target | "bare", number[]>([["bare", []], ...targets.map((t) => [t, []] as [Target, number[]])]);
  const cpu = new Map<Target | "bare", number[]>([["bare", []], ...targets.map((t) => [t, []] as [Target, number[]])]);
  for (let run = 0; run < RUNS; run++) {
    for (const target of ["bare", ...targets] as const) {
      const { wallMs, cpuMs } = importOnce(target === "bare" ? undefined : bundles.get(target)!.file);
      wall.get(target)!.push(wallMs);
      cpu.get(target)!.push(cpuMs);
    }
  }
  const bare = { wallMs: median(wall.get("bare")!), cpuMs: median(cpu.get("bare")!) };
  const measured = new Map(
    targets.map((target) => [
      target,
      {
        kib: statSync(bundles.get(target)!.file).size / 1024,
        overBareMs: median(wall.get(target)!) - bare.wallMs,
        cpuOverBareMs: median(cpu.get(target)!) - bare.cpuMs,
      },
    ]),
  );

  const lines: Record<string, unknown>[] = [{ name: "bare node", importMs: round(bare.wallMs, 1), cpuMs: round(bare.cpuMs, 1), runs: RUNS }];
  const figures = (target: Target) => {
    const m = measured.get(target)!;
    return { name: target.name, bundleKiB: round(m.kib, 1), importOverBareMs: round(m.overBareMs, 1), cpuOverBareMs: round(m.cpuOverBareMs, 1) };
  };
  // Ratios to the floor; postgres.js loads within the noise of bare node, so no import ratio to it is given.
  const ratios = (target: Target) => {
    if (target.floor === "none" || target.floor === undefined) return {};
    const m = measured.get(target)!;
    const floor = measured.get(floors[target.floor!])!;
    return {
      floor: floors[target.floor!].name,
      sizeRatioToFloor: round(m.kib / floor.kib),
      importRatioToFloor: floor.overBareMs >= 5 ? round(m.overBareMs / floor.overBareMs) : null,
      cpuRatioToFloor: floor.cpuOverBareMs >= 5 ? round(m.cpuOverBareMs / floor.cpuOverBareMs) : null,
      ...(byPackage ? { packagesOverFloorKiB: overFloor(bundles.get(target)!.kibByPackage, bundles.get(floors[target.floor!])!.kibByPackage) } : {}),
    };
  };
  for (const target of [floors.dynamodb, floors.postgres]) lines.push(figures(target));
  lines.push({ ...figures(electroDb), ...ratios(electroDb) });
  for (const target of handlers) {
    const m = measured.get(target)!;
    const g = goal(target);
    const floor = g.kind === "floor" ? measured.get(floors.dynamodb)! : undefined;
    const sizeRatio = floor ? m.kib / floor.kib : undefined;
    const importRatio = floor && floor.overBareMs >= 5 ? m.overBareMs / floor.overBareMs : undefined;
    const within =
      g.kind === "absolute"
        ? m.kib <= g.maxKiB && m.overBareMs <= g.maxOverBareMs
        : sizeRatio !== undefined && sizeRatio <= g.maxSizeRatio && importRatio !== undefined && importRatio <= g.maxImportRatio;
    lines.push({ ...figures(target), ...ratios(target), goal: g.text, withinGoal: within });
  }

  if (json) {
    for (const line of lines) console.log(JSON.stringify(line));
  } else {
    console.log(`bare node: ${bare.wallMs.toFixed(0)} ms, ${bare.cpuMs.toFixed(0)} ms CPU (medians of ${RUNS}); import times are over bare node, on this machine\n`);
    const header = ["bundle".padEnd(40), "KiB".padStart(7), "import ms".padStart(11), "CPU ms".padStart(9), "size×floor".padStart(12), "import×floor".padStart(14), "CPU×floor".padStart(11)];
    console.log(`${header.join("")}  goal`);
    const ratio = (value: unknown) => (typeof value === "number" ? `${value.toFixed(2)}×` : "");
    for (const line of lines.slice(1)) {
      console.log(
        String(line.name).padEnd(40) +
          String(Math.round(line.bundleKiB as number)).padStart(7) +
          `+${Math.round(line.importOverBareMs as number)}`.padStart(11) +
          `+${Math.round(line.cpuOverBareMs as number)}`.padStart(9) +
          ratio(line.sizeRatioToFloor).padStart(12) +
          ratio(line.importRatioToFloor).padStart(14) +
          ratio(line.cpuRatioToFloor).padStart(11) +
          (line.goal ? `  ${line.withinGoal ? "met" : "MISSED"}: ${line.goal}` : ""),
      );
    }
    if (byPackage) {
      // One breakdown per bundle (the steps of one store share their file).
      const shown = new Set<string>();
      for (const line of lines.filter((l) => l.packagesOverFloorKiB)) {
        const key = JSON.stringify(line.packagesOverFloorKiB);
        if (shown.has(key)) continue;
        shown.add(key);
        const rows = Object.entries(line.packagesOverFloorKiB as Record<string, number>).map(([name, kib]) => `${kib.toFixed(1).padStart(8)} KiB  ${name}`);
        console.log(`\n${line.name}: over ${line.floor}\n${rows.join("\n")}`);
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
