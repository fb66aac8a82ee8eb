import { api, authEndpoint, userPoolClient } from "./api";

/** The operators' dashboard: static files on S3 + CloudFront, talking to the same API. */
export const dashboard = new sst.aws.StaticSite("Dashboard", {
  path: "packages/web",
  build: { command: "pnpm run build", output: "dist" },
  // People sign in with username and password (Cognito InitiateAuth); the build only says where.
  environment: { VITE_API_URL: api.url, VITE_AUTH_ENDPOINT: authEndpoint, VITE_AUTH_CLIENT_ID: userPoolClient.id },
});

export const outputs = { dashboard: dashboard.url };
