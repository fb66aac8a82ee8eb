/**
 * Who is calling. In the cloud, API Gateway's JWT authorizer has verified the Cognito token
 * before the Lambda runs and hands over its claims (`authenticateClaims`): the API's
 * functions sit in a VPC without internet access, so they could not fetch the pool's keys
 * anyway. Everywhere else (offline, any path without an authorizer) the token itself is
 * verified (`authenticate`). Both end in the same claims → Actor mapping. Configured by
 * environment:
 *   AUTH_ISSUER    expected `iss`
 *   AUTH_AUDIENCE  expected `aud` (ID tokens) or `client_id` (Cognito access tokens)
 *   AUTH_JWKS      the issuer's public keys as JSON (offline), or
 *   AUTH_JWKS_URL  where to fetch them (default: `${AUTH_ISSUER}/.well-known/jwks.json`)
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { Actor } from "./actor.ts";
import { AppError } from "./error.ts";
import { UserId } from "./user.ts";

type KeySet = ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;
let cached: { config: string; issuer: string; audience: string; keys: KeySet } | undefined;

function verifier() {
  const issuer = process.env.AUTH_ISSUER;
  const audience = process.env.AUTH_AUDIENCE;
  const config = JSON.stringify([issuer, audience, process.env.AUTH_JWKS, process.env.AUTH_JWKS_URL]);
  if (cached?.config === config) return cached;
  if (!issuer || !audience) {
    // Misconfiguration must never mean "open": refuse everything.
    throw new AppError("unauthorized", "AUTH_NOT_CONFIGURED", "Token verification is not configured on this API");
  }
  const keys = process.env.AUTH_JWKS
    ? createLocalJWKSet(JSON.parse(process.env.AUTH_JWKS) as JSONWebKeySet)
    : createRemoteJWKSet(new URL(process.env.AUTH_JWKS_URL ?? `${issuer.replace(/\/$/, "")}/.well-known/jwks.json`));
  cached = { config, issuer, audience, keys };
  return cached;
}

/** API Gateway flattens array claims into strings such as "[admin operators]". */
function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== "string") return [];
  return claim.replace(/^\[|\]$/g, "").split(/[\s,]+/).filter(Boolean);
}

function actorFrom(payload: JWTPayload, audience: string): Actor {
  const clientId = (payload as { client_id?: unknown }).client_id;
  const audiences = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
  if (!audiences.includes(audience) && clientId !== audience) {
    throw new AppError("unauthorized", "INVALID_TOKEN", "The token was issued for another audience");
  }
  if (!payload.sub) throw new AppError("unauthorized", "INVALID_TOKEN", "The token has no subject");
  // The wallet belongs to the user's handle, the pool's username (see README, "Identity"):
  // `username` in access tokens, `cognito:username` in ID tokens — never the opaque `sub`.
  const claims = payload as { username?: unknown; "cognito:username"?: unknown; "cognito:groups"?: unknown };
  const username = typeof claims.username === "string" ? claims.username : claims["cognito:username"];
  const userId = UserId.safeParse(username);
  if (!userId.success) throw new AppError("unauthorized", "INVALID_TOKEN", "The token names no valid username");
  const admin = groupsOf(claims["cognito:groups"]).includes(Actor.ADMIN_GROUP);
  return { type: "user", userId: userId.data, admin };
}

/**
 * The caller from claims API Gateway's JWT authorizer already verified (signature, expiry,
 * issuer, audience). Issuer and audience are checked again against this API's own settings,
 * so claims from a misrouted authorizer are refused.
 */
export function authenticateClaims(claims: Record<string, unknown>): Actor {
  const issuer = process.env.AUTH_ISSUER;
  const audience = process.env.AUTH_AUDIENCE;
  if (!issuer || !audience) throw new AppError("unauthorized", "AUTH_NOT_CONFIGURED", "Token verification is not configured on this API");
  if (claims.iss !== issuer) throw new AppError("unauthorized", "INVALID_TOKEN", "The token was issued by another issuer");
  const audiences = typeof claims.aud === "string" ? groupsOf(claims.aud) : claims.aud;
  return actorFrom({ ...claims, aud: audiences as JWTPayload["aud"] }, audience);
}

/** The caller behind an `Authorization` header value, or an unauthorized AppError. */
export async function authenticate(authorization: string | undefined): Promise<Actor> {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw new AppError("unauthorized", "UNAUTHENTICATED", "A bearer token is required (Authorization: Bearer <token>)");
  const { issuer, audience, keys } = verifier();
  try {
    const { payload } = await jwtVerify(match[1]!, keys, { issuer, algorithms: ["RS256", "ES256"], requiredClaims: ["exp", "sub"] });
    return actorFrom(payload, audience);
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The issuer's keys could not be fetched: not the caller's fault, worth a retry.
    if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) {
      throw new AppError("transient", "AUTH_UNAVAILABLE", "The token issuer's keys are unavailable; retry shortly");
    }
    const expired = error instanceof errors.JWTExpired;
    throw new AppError("unauthorized", expired ? "TOKEN_EXPIRED" : "INVALID_TOKEN", expired ? "The token has expired" : "The token is not valid");
  }
}
