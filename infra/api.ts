import { CORS } from "../packages/functions/src/api/cors";
import { OPENAPI_PATH } from "../packages/functions/src/api/public";
import { functionDefaults, functionVpc, walletEnvironment } from "./config";
import { postgres, table, vpc } from "./storage";

/**
 * One user pool per stage; its `admin` group is what the dashboard's operators belong to.
 * A username is the wallet's userId and the handle people type to send money, so it is the
 * username itself (email is only an alias to sign in with, verified); the pre sign-up trigger
 * holds usernames to core's Handle rule. (SST's pool is already case-insensitive and open to
 * self sign-up.) Not `usernames: ["email"]`: then Cognito's username would be the opaque `sub`.
 */
export const userPool = new sst.aws.CognitoUserPool("Users", {
  aliases: ["email"],
  triggers: {
    preSignUp: { ...functionDefaults, handler: "packages/functions/src/auth/pre-sign-up.handler", description: "Usernames must be valid wallet handles" },
  },
});
// Not "Dashboard": linkable components need app-wide unique names, and the StaticSite is "Dashboard".
// The dashboard and `pnpm run token --stage` sign in with InitiateAuth (USER_PASSWORD_AUTH) and
// refresh with REFRESH_TOKEN_AUTH: a public client (no secret), revocable tokens, and no answer
// that tells an existing username from a wrong password.
export const userPoolClient = userPool.addClient("DashboardClient", {
  transform: {
    client: (args) => {
      args.explicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
      args.generateSecret = false;
      args.preventUserExistenceErrors = "ENABLED";
      args.enableTokenRevocation = true;
    },
  },
});
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

// The same cross-origin rules as the app's own (API Gateway answers preflight requests itself).
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: { allowOrigins: [CORS.allowOrigin], allowHeaders: [...CORS.allowHeaders], exposeHeaders: [...CORS.exposeHeaders], maxAge: `${CORS.maxAgeSeconds} seconds` },
});

const authorizer = api.addAuthorizer({
  name: "cognito",
  jwt: { issuer, audiences: [userPoolClient.id] },
});

/**
 * The API description: public and rarely read, so a small function of its own serves it and the
 * API's Lambda does not load the document on every cold start (issue 12). It calls nothing, so it
 * stays outside the VPC, with no links.
 */
export const apiDocumentFunction = new sst.aws.Function("ApiDocument", {
  ...functionDefaults,
  handler: "packages/functions/src/api/openapi-function.handler",
  description: "Serves the API's OpenAPI document",
});

// The API description is public; every other route needs a token from this stage's pool.
api.route(`GET ${OPENAPI_PATH}`, apiDocumentFunction.arn);
api.route("$default", apiFunction.arn, { auth: { jwt: { authorizer: authorizer.id } } });

/** Cognito's InitiateAuth endpoint for this stage's region (what the dashboard and `token --stage` call). */
export const authEndpoint = $interpolate`https://cognito-idp.${aws.getRegionOutput().name}.amazonaws.com/`;

export const outputs = {
  api: api.url,
  userPool: userPool.id,
  userPoolClient: userPoolClient.id,
  authEndpoint,
  // `pnpm run token --stage` checks these, so a stale outputs file is not mistaken for the stage's.
  stage: $app.stage,
  region: aws.getRegionOutput().name,
};
