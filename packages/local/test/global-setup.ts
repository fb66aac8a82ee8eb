/** Starts the real engines once for the whole test run; each test file isolates itself in them. */
import type { TestProject } from "vitest/node";
import { startDynamo, startPostgres, type PostgresInfo } from "../src/engines.ts";
import { buildDashboard, dashboardNeedsBuild } from "../src/web.ts";

declare module "vitest" {
  export interface ProvidedContext {
    engines: { dynamoEndpoint: string; postgres: PostgresInfo };
  }
}

export default async function setup(project: TestProject) {
  const [dynamo, postgres] = await Promise.all([
    startDynamo(),
    startPostgres({ databaseUrl: process.env.DATABASE_URL, fast: true }),
    // Built once here, so test files that serve the dashboard never build it concurrently.
    dashboardNeedsBuild() ? buildDashboard() : undefined,
  ]);
  project.provide("engines", { dynamoEndpoint: dynamo.info.endpoint, postgres: postgres.info });
  return async () => {
    await Promise.all([dynamo.stop(), postgres.stop()]);
  };
}
