/**
 * Sign-in through Cognito's user-pool API (InitiateAuth): USER_PASSWORD_AUTH to sign in,
 * REFRESH_TOKEN_AUTH to renew the session before its access token expires. Offline, the
 * development issuer answers the same call with the same shapes, so this is the one code path.
 * The session lives in localStorage (this browser only); sign-out forgets it.
 */
import type { AuthConfig } from "./config.ts";

export interface Session {
  username: string;
  groups: string[];
  accessToken: string;
  idToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
  /** The access token's lifetime in ms (Cognito's ExpiresIn), to schedule the refresh. */
  lifetimeMs: number;
}

/** A refusal by the identity provider (Cognito's `__type`, e.g. NotAuthorizedException), or NETWORK_ERROR. */
export class AuthError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "AuthError";
    this.code = code;
  }
}

interface AuthenticationResult {
  AccessToken: string;
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: string;
}

const SESSION_KEY = "ewallet.dashboard.session";
/** Refresh this long before expiry at most (a fifth of the lifetime for short-lived tokens). */
const REFRESH_MARGIN_MS = 60_000;

async function initiateAuth(auth: AuthConfig, body: Record<string, unknown>): Promise<{ AuthenticationResult?: AuthenticationResult; ChallengeName?: string }> {
  let response: Response;
  try {
    response = await fetch(auth.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth" },
      body: JSON.stringify({ ...body, ClientId: auth.clientId }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new AuthError("NETWORK_ERROR", `Could not reach the sign-in service at ${auth.endpoint}`);
  }
  const payload = (await response.json().catch(() => ({}))) as { __type?: string; message?: string; AuthenticationResult?: AuthenticationResult; ChallengeName?: string };
  if (!response.ok) {
    // Cognito's error type may carry a namespace prefix ("com.amazonaws…#NotAuthorizedException").
    const code = (payload.__type ?? `HTTP_${response.status}`).split("#").at(-1)!;
    throw new AuthError(code, payload.message ?? `Sign-in failed (HTTP ${response.status})`);
  }
  return payload;
}

function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

function sessionFrom(result: AuthenticationResult, refreshToken: string): Session {
  const claims = claimsOf(result.AccessToken);
  const groups = claims["cognito:groups"];
  return {
    // What the API names the caller by (see README, "Identity").
    username: String(claims.username ?? ""),
    groups: Array.isArray(groups) ? groups.map(String) : [],
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken,
    expiresAt: Date.now() + result.ExpiresIn * 1000,
    lifetimeMs: result.ExpiresIn * 1000,
  };
}

export async function signIn(auth: AuthConfig, username: string, password: string): Promise<Session> {
  const answer = await initiateAuth(auth, { AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD: password } });
  if (!answer.AuthenticationResult?.RefreshToken) {
    // e.g. NEW_PASSWORD_REQUIRED for a user an operator created: not handled here (see README).
    throw new AuthError(answer.ChallengeName ?? "NO_TOKENS", `Sign-in needs a step this dashboard does not offer (${answer.ChallengeName ?? "no tokens returned"})`);
  }
  return sessionFrom(answer.AuthenticationResult, answer.AuthenticationResult.RefreshToken);
}

/** New tokens for the same session (Cognito keeps the refresh token unless rotation is on). */
export async function refresh(auth: AuthConfig, session: Session): Promise<Session> {
  const answer = await initiateAuth(auth, { AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: session.refreshToken } });
  if (!answer.AuthenticationResult) throw new AuthError("NO_TOKENS", "The refresh returned no tokens");
  return sessionFrom(answer.AuthenticationResult, answer.AuthenticationResult.RefreshToken ?? session.refreshToken);
}

/** How long from now until the session should be refreshed (0: now). */
export function refreshDelayMs(session: Session, now = Date.now()): number {
  const margin = Math.min(REFRESH_MARGIN_MS, session.lifetimeMs / 5);
  return Math.max(0, session.expiresAt - margin - now);
}

export function loadSession(): Session | undefined {
  try {
    const stored = JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
    return stored && typeof stored.accessToken === "string" && typeof stored.refreshToken === "string" && typeof stored.expiresAt === "number" ? stored : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined) {
  try {
    if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // Storage disabled: the session lives for this page only.
  }
}
