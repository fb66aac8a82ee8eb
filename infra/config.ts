import { DEFAULT_STUCK_AFTER_MINUTES } from "../packages/core/src/saga/document";

/** Per-stage settings, in one place rather than literals scattered through infra/. */
export const isProduction = $app.stage === "production";

export const settings = {
  /**
   * Standard: exactly-once transitions, redrive for 14 days, DescribeExecution for the sweep.
   * (Express would be cheaper and every step is idempotent, but the sweep and the 1-hour
   * execution timeout rely on Standard.)
   */
  workflowType: "STANDARD" as const,
  /** Each task's timeout in the state machine (longer than a step function's own 20 s). */
  sagaTaskTimeoutSeconds: 30,
  /**
   * Postgres is Aurora Serverless v2. Non-production stages scale to 0 ACU and pause when idle
   * (nothing to pay for compute); production keeps a floor and sits behind RDS Proxy, which
   * multiplexes Lambda connections (and would prevent the pause: AWS lists a proxy as keeping
   * the cluster awake).
   */
  postgres: isProduction
    ? ({ minAcu: 0.5, maxAcu: 4, pauseAfterMinutes: undefined, proxy: true } as const)
    : ({ minAcu: 0, maxAcu: 1, pauseAfterMinutes: 5, proxy: false } as const),
  /**
   * Without a proxy, connections are bounded by the database itself rather than by reserved
   * Lambda concurrency (which a default account quota can't spare): one connection per Lambda
   * instance, a server-side cap, and sessions the server closes when a frozen instance leaves
   * them idle. A connection refused at the cap is SQLSTATE 53300, transient: the saga retries it.
   */
  walletPoolMaxPerInstance: isProduction ? 2 : 1,
  postgresMaxConnections: isProduction ? undefined : 100,
  walletConnectTimeoutSeconds: 10,
  walletIdleTimeoutSeconds: 30,
  /** Closes sessions a frozen Lambda left open, so an idle stage's database can pause. */
  postgresIdleSessionTimeoutMs: isProduction ? undefined : 60_000,
  stuckSweepSchedule: "rate(5 minutes)" as const,
  stuckAfterMinutes: DEFAULT_STUCK_AFTER_MINUTES,
  /**
   * Where the alarms go: an email address subscribed to the stage's alarm topic, given per
   * stage at deploy time (`ALARM_EMAIL=ops@example.com sst deploy --stage production`).
   * Production refuses to deploy without one; other stages notify the topic only.
   */
  alarmEmail: process.env.ALARM_EMAIL?.trim() || undefined,
  /**
   * A new non-production stage is usable at once: demo users (Cognito) and their funded
   * wallets are created on deploy. Never in production. `SEED_DEMO=false` turns it off.
   */
  seedDemo: !isProduction && process.env.SEED_DEMO !== "false",
};

if (isProduction && !settings.alarmEmail) {
  throw new Error("Production needs an alarm address: deploy with ALARM_EMAIL=<ops address> (infra/config.ts)");
}

/** What every function that talks to Postgres needs to know about its connections. */
export const walletEnvironment = {
  WALLET_POOL_MAX: String(settings.walletPoolMaxPerInstance),
  // Shorter than the step functions' 20 s timeout, so a resume surfaces as a retried transient error.
  WALLET_CONNECT_TIMEOUT_SECONDS: String(settings.walletConnectTimeoutSeconds),
  WALLET_IDLE_TIMEOUT_SECONDS: String(settings.walletIdleTimeoutSeconds),
  // Behind RDS Proxy, prepared statements would pin connections (see wallet/client.ts).
  WALLET_PREPARED_STATEMENTS: settings.postgres.proxy ? "false" : "true",
};

/**
 * `sst dev` runs every function on the developer's machine through live stubs: a stub kept in
 * the VPC (no NAT) could not reach SST's bridge (sst issue #5218), and the local Postgres is on
 * the developer's machine anyway. So under `$dev` nothing is placed in the VPC.
 */
export const functionVpc = <T>(vpc: T): T | undefined => ($dev ? undefined : vpc);

/** Defaults every Lambda in the app shares: small ESM bundles on arm64, Node 22. */
export const functionDefaults = {
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "512 MB",
  nodejs: { format: "esm", minify: true, sourcemap: false },
} as const;
