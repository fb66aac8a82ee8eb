import { functionDefaults, functionVpc, walletEnvironment } from "./config";
import { postgres, table, vpc } from "./storage";

/** One user pool per stage; its `admin` group is what the dashboard's operators belong to. */
export const userPool = new sst.aws.CognitoUserPool("Users", { usernames: ["email"] });
// Not "Dashboard": linkable components need app-wide unique names, and the StaticSite is "Dashboard".
export const userPoolClient = userPool.addClient("DashboardClient");
export const adminGroup = new aws.cognito.UserGroup("AdminGroup", { userPoolId: userPool.id, name: "admin", description: "Operators: read every wallet and transfer" });

const issuer = $interpolate`https://cognito-idp.${aws.getRegionOutput().name}.amazonaws.com/${userPool.id}`;

/** The Hono app (packages/functions/src/api): creates transfers, reads them and the wallets. */
export const apiFunction = new sst.aws.Function("ApiHandler", {
  ...functionDefaults,
  handler: "packages/functions/src/api/handler.handler",
  timeout: "15 seconds",
  // The API reads and writes both stores: in the VPC for Postgres, DynamoDB via the gateway endpoint.
  link: [table, postgres],
  vpc: functionVpc(vpc),
  environment: {
    // The API maps the authorizer's verified claims to the caller and re-checks issuer and audience.
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: userPoolClient.id,
    ...walletEnvironment,
  },
});

export const api = new sst.aws.ApiGatewayV2("Api", { cors: { allowHeaders: ["authorization", "content-type", "idempotency-key"], exposeHeaders: ["idempotent-replayed"] } });

const authorizer = api.addAuthorizer({
  name: "cognito",
  jwt: { issuer, audiences: [userPoolClient.id] },
});

// The API description is public; every other route needs a token from this stage's pool.
api.route("GET /openapi.json", apiFunction.arn);
api.route("$default", apiFunction.arn, { auth: { jwt: { authorizer: authorizer.id } } });

export const outputs = { api: api.url, userPool: userPool.id, userPoolClient: userPoolClient.id };
