/// <reference path="./.sst/platform/config.d.ts" />

/**
 * One app, a stage per environment (production, each developer, each pull request).
 * Only imports infra/*: every definition it deploys comes from packages/core.
 */
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "ewallet",
      // Production keeps and protects its data; every other stage is removable in one command.
      removal: production ? "retain" : "remove",
      protect: production,
      home: "aws",
      providers: { aws: { region: (process.env.AWS_REGION ?? "eu-west-1") as aws.Region } },
    };
  },
  async run() {
    const storage = await import("./infra/storage");
    const saga = await import("./infra/saga");
    const api = await import("./infra/api");
    const web = await import("./infra/web");
    const seed = await import("./infra/seed");
    return {
      api: api.outputs.api,
      dashboard: web.outputs.dashboard,
      userPool: api.outputs.userPool,
      userPoolClient: api.outputs.userPoolClient,
      authEndpoint: api.outputs.authEndpoint,
      stage: api.outputs.stage,
      region: api.outputs.region,
      table: storage.table.name,
      stateMachine: saga.stateMachine.arn,
      pipeDeadLetters: saga.pipeDeadLetters.url,
      alarmTopic: saga.alarmTopic.arn,
      ...seed.outputs,
    };
  },
});
