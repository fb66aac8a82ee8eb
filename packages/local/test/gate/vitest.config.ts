/**
 * The project's own test configuration (same global setup, same per-file setup) pointed at one
 * gate fixture instead of the suite. gate.test.ts runs `pnpm test --config` this file, so the
 * command CI runs is the one proven to fail.
 */
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import base from "../../../../vitest.config.ts";

const fixture = process.env.GATE_FIXTURE;
if (!fixture) throw new Error("GATE_FIXTURE must name one file in packages/local/test/gate/");

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL("../../../..", import.meta.url)),
  // Replaces the suite's include (mergeConfig would append to it).
  test: { ...base.test, include: [`packages/local/test/gate/${fixture}`] },
});
