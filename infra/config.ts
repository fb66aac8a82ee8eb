import { DEFAULT_STUCK_AFTER_MINUTES } from "../packages/core/src/saga/steps";

/** Per-stage settings, in one place rather than literals scattered through infra/. */
export const isProduction = $app.stage === "production";

export const settings = {
  /**
   * Standard: exactly-once transitions, redrive for 14 days, DescribeExecution for the sweep.
   * (Express would be cheaper and every step is idempotent, but the sweep and the 1-hour
   * execution timeout rely on Standard.)
   */
  workflowType: "STANDARD" as const,
  /** Without the RDS proxy, Lambda concurrency must stay under Postgres' max_connections. */
  postgresProxy: isProduction,
  walletPoolMaxPerInstance: 2,
  walletFunctionConcurrency: isProduction ? undefined : 20,
  stuckSweepSchedule: "rate(5 minutes)" as const,
  stuckAfterMinutes: DEFAULT_STUCK_AFTER_MINUTES,
};

/** What every function that talks to Postgres needs to know about its connections. */
export const walletEnvironment = {
  WALLET_POOL_MAX: String(settings.walletPoolMaxPerInstance),
  // Behind RDS Proxy, prepared statements would pin connections (see wallet/client.ts).
  WALLET_PREPARED_STATEMENTS: settings.postgresProxy ? "false" : "true",
};

/** Defaults every Lambda in the app shares: small ESM bundles on arm64, Node 22. */
export const functionDefaults = {
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "512 MB",
  nodejs: { format: "esm", minify: true, sourcemap: false },
} as const;
