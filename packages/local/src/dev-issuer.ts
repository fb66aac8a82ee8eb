/**
 * The offline stack's stand-in for the stage's Cognito user pool:
 * - an ES256 key pair whose public half the offline API trusts (AUTH_JWKS), exactly as the
 *   cloud API trusts the pool's keys;
 * - access tokens with exactly the claims a Cognito access token carries (sub, cognito:groups,
 *   iss, client_id, token_use, username, scope, auth_time, exp, iat, jti, origin_jti, event_id),
 *   and ID tokens alongside them at sign-in;
 * - a user directory (username, password, groups) and an HTTP endpoint answering Cognito's
 *   `InitiateAuth` (USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH) with the same request, response
 *   and error shapes, so the dashboard and `pnpm run token --stage` have one code path.
 * Differences from Cognito that remain are listed in docs/DESIGN.md.
 */
import { serve, type ServerType } from "@hono/node-server";
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import type { AddressInfo } from "node:net";

export const DEV_ISSUER = "https://ewallet.local/dev-issuer";
/** The offline app client's id: what `client_id` (access) and `aud` (ID token) carry, and AUTH_AUDIENCE. */
export const DEV_CLIENT_ID = "ewallet-dev-client";
export const DEV_AUDIENCE = DEV_CLIENT_ID;
/** Cognito's default access/ID token validity for an app client: 60 minutes. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** Where `pnpm start` keeps its key, so `pnpm run token` can sign for it (gitignored). */
export const DEV_KEY_FILE = join(dirname(fileURLToPath(import.meta.url)), "../../../.data/dev-issuer.json");
/** The scope Cognito puts in access tokens issued through its user-pool API (InitiateAuth). */
export const COGNITO_API_SCOPE = "aws.cognito.signin.user.admin";
export const INITIATE_AUTH_TARGET = "AWSCognitoIdentityProviderService.InitiateAuth";
export const AMZ_JSON = "application/x-amz-json-1.1";

export interface DevUser {
  username: string;
  password: string;
  groups?: string[];
}

export interface SignOptions {
  admin?: boolean;
  ttlSeconds?: number;
}

export interface AuthenticationResult {
  AccessToken: string;
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: "Bearer";
}

export interface DevIssuer {
  /** Environment the API verifies tokens with. */
  environment: { AUTH_ISSUER: string; AUTH_AUDIENCE: string; AUTH_JWKS: string };
  clientId: string;
  /** An access token for this username, as if it had just signed in (admin: in the `admin` group). */
  sign(username: string, options?: SignOptions): Promise<string>;
  /** Adds (or replaces) a user of the directory that InitiateAuth signs in. */
  addUser(user: DevUser): void;
  /** Answers one Cognito user-pool API call: the HTTP status and JSON body Cognito would send. */
  handle(target: string | undefined, body: unknown): Promise<{ status: number; body: unknown }>;
  /** Serves `handle` over HTTP on 127.0.0.1 (POST /, X-Amz-Target), with CORS as Cognito's endpoint. */
  serve(options?: { port?: number }): Promise<{ url: string; stop(): Promise<void> }>;
}

/** A stable UUID-shaped `sub` per username (Cognito's sub is a random UUID fixed at sign-up). */
export function subjectOf(username: string): string {
  const hex = createHash("sha256").update(`dev-issuer-sub:${username}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function cognitoError(type: string, message: string) {
  return { status: 400, body: { __type: type, message } };
}

function equalSecret(a: string, b: string): boolean {
  const [x, y] = [createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest()];
  return timingSafeEqual(x, y);
}

interface Session {
  username: string;
  authTime: number;
  originJti: string;
  eventId: string;
}

async function fromPrivateJwk(privateJwk: JWK, options: { tokenTtlSeconds?: number; users?: DevUser[] }): Promise<DevIssuer> {
  const key = await importJWK(privateJwk, "ES256");
  const { d: _secret, ...publicJwk } = privateJwk;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const users = new Map<string, DevUser>();
  // Refresh tokens are opaque to clients, as Cognito's (encrypted) ones are.
  const sessions = new Map<string, Session>();

  const signJwt = (claims: Record<string, unknown>, ttlSeconds: number, now: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: privateJwk.kid })
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(key);

  function groupsOf(username: string, admin?: boolean): string[] {
    const groups = users.get(username)?.groups ?? [];
    return admin && !groups.includes("admin") ? [...groups, "admin"] : groups;
  }

  /** The access token's claims, as on AWS's page "Understanding the access token". */
  function accessClaims(session: Session, groups: string[]) {
    return {
      sub: subjectOf(session.username),
      // Cognito leaves the claim out when the user is in no group.
      ...(groups.length ? { "cognito:groups": groups } : {}),
      iss: DEV_ISSUER,
      client_id: DEV_CLIENT_ID,
      origin_jti: session.originJti,
      event_id: session.eventId,
      token_use: "access",
      scope: COGNITO_API_SCOPE,
      auth_time: session.authTime,
      jti: randomUUID(),
      username: session.username,
    };
  }

  function idClaims(session: Session, groups: string[]) {
    return {
      sub: subjectOf(session.username),
      ...(groups.length ? { "cognito:groups": groups } : {}),
      iss: DEV_ISSUER,
      "cognito:username": session.username,
      origin_jti: session.originJti,
      aud: DEV_CLIENT_ID,
      event_id: session.eventId,
      token_use: "id",
      auth_time: session.authTime,
      jti: randomUUID(),
    };
  }

  async function tokens(session: Session, withRefresh: boolean): Promise<AuthenticationResult> {
    const now = Math.floor(Date.now() / 1000);
    const groups = groupsOf(session.username);
    const result: AuthenticationResult = {
      AccessToken: await signJwt(accessClaims(session, groups), tokenTtlSeconds, now),
      ExpiresIn: tokenTtlSeconds,
      TokenType: "Bearer",
      IdToken: await signJwt(idClaims(session, groups), tokenTtlSeconds, now),
    };
    if (withRefresh) {
      const refreshToken = randomBytes(48).toString("base64url");
      sessions.set(refreshToken, session);
      result.RefreshToken = refreshToken;
    }
    return result;
  }

  const issuer: DevIssuer = {
    environment: {
      AUTH_ISSUER: DEV_ISSUER,
      AUTH_AUDIENCE: DEV_CLIENT_ID,
      AUTH_JWKS: JSON.stringify({ keys: [{ ...publicJwk, alg: "ES256", use: "sig" }] }),
    },
    clientId: DEV_CLIENT_ID,

    sign(username, signOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const session = { username, authTime: now, originJti: randomUUID(), eventId: randomUUID() };
      return signJwt(accessClaims(session, groupsOf(username, signOptions.admin)), signOptions.ttlSeconds ?? 12 * 3600, now);
    },

    addUser(user) {
      users.set(user.username, { ...user, groups: [...(user.groups ?? [])] });
    },

    async handle(target, body) {
      if (target !== INITIATE_AUTH_TARGET) {
        return cognitoError("UnknownOperationException", `The development issuer answers only ${INITIATE_AUTH_TARGET}`);
      }
      const request = (body && typeof body === "object" ? body : {}) as {
        AuthFlow?: unknown;
        ClientId?: unknown;
        AuthParameters?: Record<string, unknown>;
      };
      if (typeof request.ClientId !== "string" || !request.ClientId) {
        return cognitoError("InvalidParameterException", "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null");
      }
      if (request.ClientId !== DEV_CLIENT_ID) return cognitoError("ResourceNotFoundException", `User pool client ${request.ClientId} does not exist.`);
      const parameters = request.AuthParameters ?? {};
      if (request.AuthFlow === "USER_PASSWORD_AUTH") {
        const { USERNAME: username, PASSWORD: password } = parameters;
        if (typeof username !== "string" || !username) return cognitoError("InvalidParameterException", "Missing required parameter USERNAME");
        if (typeof password !== "string" || !password) return cognitoError("InvalidParameterException", "Missing required parameter PASSWORD");
        const user = users.get(username);
        // As a pool with PreventUserExistenceErrors (Cognito's default for new clients): one answer for both.
        if (!user || !equalSecret(user.password, password)) return cognitoError("NotAuthorizedException", "Incorrect username or password.");
        const session = { username, authTime: Math.floor(Date.now() / 1000), originJti: randomUUID(), eventId: randomUUID() };
        return { status: 200, body: { AuthenticationResult: await tokens(session, true), ChallengeParameters: {} } };
      }
      if (request.AuthFlow === "REFRESH_TOKEN_AUTH" || request.AuthFlow === "REFRESH_TOKEN") {
        const refreshToken = parameters.REFRESH_TOKEN;
        if (typeof refreshToken !== "string" || !refreshToken) return cognitoError("InvalidParameterException", "Missing required parameter REFRESH_TOKEN");
        const session = sessions.get(refreshToken);
        if (!session || !users.has(session.username)) return cognitoError("NotAuthorizedException", "Invalid Refresh Token");
        // Without refresh-token rotation (the pool's default), Cognito returns no new refresh token.
        return { status: 200, body: { AuthenticationResult: await tokens(session, false), ChallengeParameters: {} } };
      }
      return cognitoError("InvalidParameterException", `1 validation error detected: Value '${String(request.AuthFlow)}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set`);
    },

    async serve(serveOptions = {}) {
      const cors = {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type, x-amz-target, x-amz-user-agent, cache-control",
        "access-control-max-age": "600",
      };
      const fetch = async (request: Request): Promise<Response> => {
        if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
        const json = (status: number, body: unknown) =>
          new Response(JSON.stringify(body), {
            status,
            headers: {
              ...cors,
              "content-type": AMZ_JSON,
              "x-amzn-requestid": randomUUID(),
              ...(status >= 400 ? { "x-amzn-errortype": `${(body as { __type: string }).__type}:` } : {}),
            },
          });
        if (request.method !== "POST" || new URL(request.url).pathname !== "/") {
          return json(400, { __type: "UnknownOperationException", message: "POST / with an X-Amz-Target header" });
        }
        const contentType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
        if (contentType !== AMZ_JSON) return json(400, { __type: "SerializationException", message: `Content-Type must be ${AMZ_JSON}` });
        let body: unknown;
        try {
          body = JSON.parse(await request.text());
        } catch {
          return json(400, { __type: "SerializationException", message: "The request body is not JSON" });
        }
        const answer = await issuer.handle(request.headers.get("x-amz-target") ?? undefined, body);
        return json(answer.status, answer.body);
      };
      const server: ServerType = await new Promise((resolve, reject) => {
        // Port 0: the system picks a free one.
        const s = serve({ fetch, port: serveOptions.port ?? 0, hostname: "127.0.0.1" }, () => resolve(s));
        s.once("error", reject);
      });
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        stop: () =>
          new Promise<void>((resolve) => {
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => resolve());
          }),
      };
    },
  };
  for (const user of options.users ?? []) issuer.addUser(user);
  return issuer;
}

/** A new issuer; with `keyFile`, reuse the key stored there (creating it on first use). */
export async function createDevIssuer(options: { keyFile?: string; tokenTtlSeconds?: number; users?: DevUser[] } = {}): Promise<DevIssuer> {
  if (options.keyFile) {
    try {
      return await fromPrivateJwk(JSON.parse(await readFile(options.keyFile, "utf8")) as JWK, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: `dev-${Date.now().toString(36)}` };
  if (options.keyFile) {
    await mkdir(dirname(options.keyFile), { recursive: true });
    await writeFile(options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  return fromPrivateJwk(privateJwk, options);
}
