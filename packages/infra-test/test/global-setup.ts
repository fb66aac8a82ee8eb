/** The infra tests type-load SST's generated platform (.sst/platform): generate it once, offline, if missing. */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export default function setup() {
  const root = path.resolve(import.meta.dirname, "../../..");
  if (!existsSync(path.join(root, ".sst/platform/config.d.ts"))) {
    execFileSync("bash", [path.join(root, "scripts/ensure-sst-platform.sh")], { cwd: root, stdio: "inherit" });
  }
}
