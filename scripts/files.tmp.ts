import { build } from "esbuild";
import { join } from "node:path";
const [entry, pat] = process.argv.slice(2) as [string, string];
const r = await build({ entryPoints: [join("/work/wt-12", entry)], bundle: true, minify: true, format: "esm", platform: "node", target: "node22", write: false, metafile: true, outfile: "/tmp/wt12/x.mjs", logLevel: "error" });
const out = Object.values(r.metafile.outputs)[0]!;
for (const [file, { bytesInOutput }] of Object.entries(out.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) if (file.includes(pat)) console.log((bytesInOutput / 1024).toFixed(1).padStart(7), file.replace(/.*node_modules\//, ""));
