import { TransfersTable } from "../packages/core/src/transfer/table";
import { functionDefaults, functionVpc, isProduction, settings, walletEnvironment } from "./config";

/** Transfers and idempotency records: one table, defined once in core, streamed to the saga. */
export const table = new sst.aws.Dynamo("Transfers", {
  ...TransfersTable,
  transform: {
    table: (args) => {
      args.pointInTimeRecovery = { enabled: isProduction };
      args.deletionProtectionEnabled = isProduction;
    },
  },
});

/**
 * No NAT gateway (≈ $65 a month per stage): only the functions that talk to Postgres sit in
 * the VPC, and the API among them reaches DynamoDB through a free gateway endpoint.
 */
export const vpc = new sst.aws.Vpc("Vpc", { bastion: false });

new aws.ec2.VpcEndpoint("DynamoEndpoint", {
  vpcId: vpc.id,
  serviceName: $interpolate`com.amazonaws.${aws.getRegionOutput().name}.dynamodb`,
  vpcEndpointType: "Gateway",
  routeTableIds: vpc.nodes.privateRouteTables.apply((tables) => tables.map((t) => t.id)),
});

/**
 * `sst dev` links handlers to a local Postgres: the same `DATABASE_URL` that `pnpm start` uses
 * (so both see one database), else the `DEV_POSTGRES_*` values, else the defaults below.
 */
function devPostgres() {
  const url = process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL) : undefined;
  return {
    host: url?.hostname ?? process.env.DEV_POSTGRES_HOST ?? "127.0.0.1",
    port: Number(url?.port || process.env.DEV_POSTGRES_PORT || 5432),
    username: url ? decodeURIComponent(url.username) : (process.env.DEV_POSTGRES_USER ?? "postgres"),
    password: url ? decodeURIComponent(url.password) : (process.env.DEV_POSTGRES_PASSWORD ?? "postgres"),
    database: url ? url.pathname.replace(/^\//, "") || "postgres" : (process.env.DEV_POSTGRES_DATABASE ?? "ewallet"),
  };
}

/**
 * Wallet balances, inbox and ledger on Aurora Serverless v2 (PostgreSQL). Non-production scales
 * to 0 ACU and pauses when no connection is open; production keeps a floor behind RDS Proxy.
 * Under `sst dev` no cluster is created: the link points at the local Postgres.
 */
export const postgres = new sst.aws.Aurora("Postgres", {
  engine: "postgres",
  vpc,
  proxy: settings.postgres.proxy,
  scaling: {
    min: `${settings.postgres.minAcu} ACU`,
    max: `${settings.postgres.maxAcu} ACU`,
    ...(settings.postgres.pauseAfterMinutes ? { pauseAfter: `${settings.postgres.pauseAfterMinutes} minutes` } : {}),
  },
  dev: devPostgres(),
  transform: {
    cluster: (args) => {
      args.deletionProtection = isProduction;
      args.skipFinalSnapshot = !isProduction;
    },
    clusterParameterGroup: (args) => {
      args.parameters = [
        // The connection cap that replaces reserved Lambda concurrency (refusals are 53300, retried).
        ...(settings.postgresMaxConnections
          ? [{ name: "max_connections", value: String(settings.postgresMaxConnections), applyMethod: "pending-reboot" }]
          : []),
        // A frozen Lambda never runs its pool's idle timer: the server closes such sessions, so the cluster can pause.
        ...(settings.postgresIdleSessionTimeoutMs
          ? [{ name: "idle_session_timeout", value: String(settings.postgresIdleSessionTimeoutMs) }]
          : []),
      ];
    },
  },
});

/** Applies core's SQL migrations on every deploy, before anything uses the schema. */
export const migrator = new sst.aws.Function("Migrator", {
  ...functionDefaults,
  handler: "packages/functions/src/migrate.handler",
  link: [postgres],
  vpc: functionVpc(vpc),
  timeout: "5 minutes",
  // On deploy the cluster may be paused: this one connection may wait out the resume.
  environment: { ...walletEnvironment, WALLET_CONNECT_TIMEOUT_SECONDS: "60" },
  copyFiles: [{ from: "packages/core/src/wallet/migrations", to: "migrations" }],
});

// Under `sst dev` the local Postgres is already migrated by `pnpm start`, and a live stub's
// invocation would wait for a dev session that has not started yet.
export const migratorRun = $dev
  ? undefined
  : new aws.lambda.Invocation("MigratorRun", {
      functionName: migrator.name,
      // A new input each deploy makes Pulumi invoke it again; migrations are idempotent.
      input: JSON.stringify({ deployedAt: Date.now() }),
    });
