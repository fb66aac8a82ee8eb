import { build } from "esbuild";
import { join } from "node:path";
const pkgOf = (file: string) => { const m = file.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/); return m ? m[1]! : file.replace(/^.*packages\//, "packages/").replace(/\/src\/.*/, ""); };
async function pk(opts: object) {
  const r = await build({ bundle: true, minify: true, format: "esm", platform: "node", target: "node22", write: false, metafile: true, outfile: "/tmp/wt12/x.mjs", logLevel: "error", ...opts });
  const out = Object.values(r.metafile.outputs)[0]!; const m = new Map<string, number>();
  for (const [f, { bytesInOutput }] of Object.entries(out.inputs)) m.set(pkgOf(f), (m.get(pkgOf(f)) ?? 0) + bytesInOutput);
  return { total: out.bytes, m };
}
const floor = await pk({ stdin: { contents: `import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";\nexport const client = new DynamoDBClient({});\nexport const command = new GetItemCommand({ TableName: "t", Key: { pk: { S: "k" } } });`, resolveDir: "/work/wt-12/packages/core", loader: "ts" } });
const h = await pk({ entryPoints: [join("/work/wt-12", process.argv[2]!)] });
console.log("floor", (floor.total / 1024).toFixed(1), "handler", (h.total / 1024).toFixed(1));
const keys = new Set([...floor.m.keys(), ...h.m.keys()]);
const rows = [...keys].map((k) => [k, (h.m.get(k) ?? 0) - (floor.m.get(k) ?? 0)] as const).filter(([, d]) => Math.abs(d) > 200).sort((a, b) => b[1] - a[1]);
for (const [k, d] of rows) console.log((d / 1024).toFixed(1).padStart(8), k);
