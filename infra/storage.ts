import { TransfersTable } from "../packages/core/src/transfer/table";
import { functionDefaults, isProduction, settings, walletEnvironment } from "./config";

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

/** Wallet balances, inbox and ledger. `sst dev` points the same link at a local Postgres. */
export const postgres = new sst.aws.Postgres("Postgres", {
  vpc,
  proxy: settings.postgresProxy,
  dev: {
    host: process.env.DEV_POSTGRES_HOST ?? "127.0.0.1",
    port: Number(process.env.DEV_POSTGRES_PORT ?? 5432),
    username: process.env.DEV_POSTGRES_USER ?? "postgres",
    password: process.env.DEV_POSTGRES_PASSWORD ?? "postgres",
    database: process.env.DEV_POSTGRES_DATABASE ?? "ewallet",
  },
  transform: {
    instance: (args) => {
      args.deletionProtection = isProduction;
      args.skipFinalSnapshot = !isProduction;
    },
  },
});

/** Applies core's SQL migrations on every deploy, before anything uses the schema. */
export const migrator = new sst.aws.Function("Migrator", {
  ...functionDefaults,
  handler: "packages/functions/src/migrate.handler",
  link: [postgres],
  vpc,
  timeout: "5 minutes",
  environment: walletEnvironment,
  copyFiles: [{ from: "packages/core/src/wallet/migrations", to: "migrations" }],
});

new aws.lambda.Invocation("MigratorRun", {
  functionName: migrator.name,
  // A new input each deploy makes Pulumi invoke it again; migrations are idempotent.
  input: JSON.stringify({ deployedAt: Date.now() }),
});
