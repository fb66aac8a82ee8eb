/**
 * How the app learns who calls, given to `createApp` by where it runs. On Lambda behind API
 * Gateway (handler.ts), the JWT authorizer has verified the token and hono/aws-lambda passes its
 * event: the caller comes from the authorizer's claims, and a request that arrives without them
 * is refused (UNAUTHENTICATED), never let through. Offline, the server verifies the token itself
 * (caller-token.ts, the only path that loads jose). Both map claims to the caller in core (auth.ts).
 */
import type { Context } from "hono";
import type { Actor } from "@ewallet/core/actor";
import { authenticateClaims } from "@ewallet/core/auth";

export type Authenticate = (c: Context) => Actor | Promise<Actor>;

/** What hono/aws-lambda hands the app as its environment: the API Gateway (payload 2.0) event. */
type GatewayEnv = { event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } } };

/** The Lambda's: the claims API Gateway's JWT authorizer verified. */
export const fromAuthorizerClaims: Authenticate = (c) =>
  authenticateClaims((c.env as GatewayEnv | undefined)?.event?.requestContext?.authorizer?.jwt?.claims);
