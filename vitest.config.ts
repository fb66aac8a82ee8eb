import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    globalSetup: ["packages/local/test/global-setup.ts", "packages/infra-test/test/global-setup.ts"],
    setupFiles: ["packages/local/test/setup-env.ts"],
    // SST's Resource reads the environment once per module instance: inline it so each test
    // file (with its own database and table) gets a fresh one instead of a worker-wide copy.
    server: { deps: { inline: ["sst"] } },
    // Steps and requests log one JSON line each; tests that look at logs raise the level themselves.
    env: { LOG_LEVEL: "error" },
    // Two cores: the engines need one, the tests share the other.
    maxWorkers: 2,
    // A test that asserts nothing fails instead of passing silently.
    expect: { requireAssertions: true },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
