/**
 * Cross-origin access for the dashboard (served from S3/CloudFront, or another local port): one
 * definition, applied by the app (hono's cors) and by API Gateway (infra/api.ts), which answers
 * preflight requests itself in the cloud. No import, so infra can read it cheaply.
 */
export const CORS = {
  allowOrigin: "*",
  allowHeaders: ["authorization", "content-type", "idempotency-key"],
  exposeHeaders: ["idempotent-replayed"],
  maxAgeSeconds: 600,
} as const;
