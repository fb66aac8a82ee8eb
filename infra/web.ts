import { api } from "./api";

/** The operators' dashboard: static files on S3 + CloudFront, talking to the same API. */
export const dashboard = new sst.aws.StaticSite("Dashboard", {
  path: "packages/web",
  build: { command: "pnpm run build", output: "dist" },
  // Operators paste a Cognito access token (admin group) in the dashboard.
  environment: { VITE_API_URL: api.url },
});

export const outputs = { dashboard: dashboard.url };
