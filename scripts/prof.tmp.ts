import { build } from "esbuild";
import { join } from "node:path";
await build({ bundle: true, minify: false, format: "esm", platform: "node", target: "node22", logLevel: "error", banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }, outfile: "/tmp/wt12/prof.mjs", entryPoints: [join("/work/wt-12", process.argv[2]!)] });
