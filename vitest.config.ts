import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    globalSetup: ["packages/local/test/global-setup.ts"],
    setupFiles: ["packages/local/test/setup-env.ts"],
    // Two cores: the engines need one, the tests share the other.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
