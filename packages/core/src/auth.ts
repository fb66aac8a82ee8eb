/**
 * Who is calling: the one mapping from a token's claims to the caller (Actor). In the cloud,
 * API Gateway's JWT authorizer has verified the Cognito token before the Lambda runs and hands
 * over its claims (`authenticateClaims`, here): the API's functions sit in a VPC without internet
 * access, so they could not fetch the pool's keys anyway, and the Lambda loads no JWT library
 * (issue 12). Offline, where no authorizer runs, the API verifies the token itself
 * (`authenticate` in auth-token.ts, with jose) and ends in this same mapping. Configured by
 * environment:
 *   AUTH_ISSUER    expected `iss`
 *   AUTH_AUDIENCE  expected `aud` (ID tokens) or `client_id` (Cognito access tokens)
 *   AUTH_JWKS      the issuer's public keys as JSON (offline), or
 *   AUTH_JWKS_URL  where to fetch them (default: `${AUTH_ISSUER}/.well-known/jwks.json`)
 */
import { Actor } from "./actor.ts";
import { AppError } from "./error.ts";
import { UserId } from "./user.ts";

/** The claims of a verified token, as far as the mapping reads them. */
export interface TokenClaims {
  iss?: unknown;
  sub?: unknown;
  aud?: unknown;
  [claim: string]: unknown;
}

/** The issuer and audience this API accepts; misconfiguration must never mean "open": it refuses everything. */
export function authSettings(): { issuer: string; audience: string } {
  const issuer = process.env.AUTH_ISSUER;
  const audience = process.env.AUTH_AUDIENCE;
  if (!issuer || !audience) throw new AppError("unauthorized", "AUTH_NOT_CONFIGURED", "Token verification is not configured on this API");
  return { issuer, audience };
}

export const missingToken = () => new AppError("unauthorized", "UNAUTHENTICATED", "A bearer token is required (Authorization: Bearer <token>)");

/** API Gateway flattens array claims into strings such as "[admin operators]". */
function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== "string") return [];
  return claim.replace(/^\[|\]$/g, "").split(/[\s,]+/).filter(Boolean);
}

/** The caller named by verified claims whose `aud` is already a list (or absent). */
export function actorFromClaims(claims: TokenClaims, audience: string): Actor {
  const clientId = claims.client_id;
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
  if (!audiences.includes(audience) && clientId !== audience) {
    throw new AppError("unauthorized", "INVALID_TOKEN", "The token was issued for another audience");
  }
  if (!claims.sub) throw new AppError("unauthorized", "INVALID_TOKEN", "The token has no subject");
  // The wallet belongs to the user's handle, the pool's username (see README, "Identity"):
  // `username` in access tokens, `cognito:username` in ID tokens — never the opaque `sub`.
  const username = typeof claims.username === "string" ? claims.username : claims["cognito:username"];
  const userId = UserId.safeParse(username);
  if (!userId.success) throw new AppError("unauthorized", "INVALID_TOKEN", "The token names no valid username");
  const admin = groupsOf(claims["cognito:groups"]).includes(Actor.ADMIN_GROUP);
  return { type: "user", userId: userId.data, admin };
}

/**
 * The caller from claims API Gateway's JWT authorizer already verified (signature, expiry,
 * issuer, audience). Issuer and audience are checked again against this API's own settings,
 * so claims from a misrouted authorizer are refused; no claims at all (a route without the
 * authorizer) is no caller: UNAUTHENTICATED, never open.
 */
export function authenticateClaims(claims: Record<string, unknown> | undefined): Actor {
  if (!claims) throw missingToken();
  const { issuer, audience } = authSettings();
  if (claims.iss !== issuer) throw new AppError("unauthorized", "INVALID_TOKEN", "The token was issued by another issuer");
  const audiences = typeof claims.aud === "string" ? groupsOf(claims.aud) : claims.aud;
  return actorFromClaims({ ...claims, aud: audiences }, audience);
}
