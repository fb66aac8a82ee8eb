/**
 * A bearer token the API verifies itself: offline, and anywhere no API Gateway authorizer has
 * verified it first (auth.ts says where each applies). jose is loaded here only, so the cloud's
 * API Lambda, which maps the authorizer's claims, carries none of it (issue 12). A verified
 * token's payload goes through the one claims → Actor mapping, auth.ts's.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet } from "jose";
import type { Actor } from "./actor.ts";
import { actorFromClaims, authSettings, missingToken } from "./auth.ts";
import { AppError } from "./error.ts";

type KeySet = ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;
let cached: { config: string; issuer: string; audience: string; keys: KeySet } | undefined;

function verifier() {
  const config = JSON.stringify([process.env.AUTH_ISSUER, process.env.AUTH_AUDIENCE, process.env.AUTH_JWKS, process.env.AUTH_JWKS_URL]);
  if (cached?.config === config) return cached;
  const { issuer, audience } = authSettings();
  const keys = process.env.AUTH_JWKS
    ? createLocalJWKSet(JSON.parse(process.env.AUTH_JWKS) as JSONWebKeySet)
    : createRemoteJWKSet(new URL(process.env.AUTH_JWKS_URL ?? `${issuer.replace(/\/$/, "")}/.well-known/jwks.json`));
  cached = { config, issuer, audience, keys };
  return cached;
}

/** The caller behind an `Authorization` header value, or an unauthorized AppError. */
export async function authenticate(authorization: string | undefined): Promise<Actor> {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw missingToken();
  const { issuer, audience, keys } = verifier();
  try {
    const { payload } = await jwtVerify(match[1]!, keys, { issuer, algorithms: ["RS256", "ES256"], requiredClaims: ["exp", "sub"] });
    return actorFromClaims(payload, audience);
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
