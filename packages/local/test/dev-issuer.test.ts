/**
 * The development issuer stands in for the stage's Cognito user pool. Its tokens and its
 * InitiateAuth endpoint are checked against AWS's own documentation:
 *
 * - Access-token claims: "Understanding the access token - Amazon Cognito",
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 *   (section "Access token payload": sub, cognito:groups, iss, client_id, origin_jti, event_id,
 *   token_use, scope, auth_time, exp, iat, jti, username; `device_key` only with device tracking,
 *   which this project does not use; no `aud`).
 * - InitiateAuth: "InitiateAuth - Amazon Cognito User Pools" (API reference),
 *   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
 *   (Request Syntax, Response Syntax, the example "sign in with username and password" and Errors:
 *   NotAuthorizedException, HTTP 400). The fixtures below are that example's request and
 *   response, with the dashboard client's own id and without SECRET_HASH (a public client has
 *   no secret).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { AMZ_JSON, createDevIssuer, DEV_CLIENT_ID, DEV_ISSUER, INITIATE_AUTH_TARGET, subjectOf, type DevIssuer } from "../src/dev-issuer.ts";

/** The example request of the InitiateAuth API reference (USER_PASSWORD_AUTH). */
const EXAMPLE_REQUEST = {
  AuthFlow: "USER_PASSWORD_AUTH",
  AuthParameters: { PASSWORD: "This-is-my-test-99!", USERNAME: "mytestuser" },
  ClientId: DEV_CLIENT_ID,
};
/** The example response of the same page: its keys and value types are what clients rely on. */
const EXAMPLE_RESPONSE = {
  AuthenticationResult: {
    AccessToken: "eyJra456defEXAMPLE",
    ExpiresIn: 3600,
    IdToken: "eyJra789ghiEXAMPLE",
    RefreshToken: "eyJra123abcEXAMPLE",
    TokenType: "Bearer",
  },
  ChallengeParameters: {},
};
const ACCESS_TOKEN_CLAIMS = ["sub", "cognito:groups", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope", "auth_time", "exp", "iat", "jti", "username"];

let issuer: DevIssuer;
let endpoint: { url: string; stop(): Promise<void> };

async function initiateAuth(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(endpoint.url, {
    method: "POST",
    headers: { "content-type": AMZ_JSON, "x-amz-target": INITIATE_AUTH_TARGET, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const shape = (value: unknown): unknown =>
  value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]).sort()) : typeof value;

beforeAll(async () => {
  issuer = await createDevIssuer({
    users: [
      { username: "mytestuser", password: "This-is-my-test-99!" },
      { username: "operator", password: "op-password", groups: ["admin"] },
    ],
  });
  endpoint = await issuer.serve();
});
afterAll(async () => {
  await endpoint?.stop();
});

describe("development issuer tokens", () => {
  it("mints access tokens with exactly Cognito's access-token claims", async () => {
    const admin = decodeJwt(await issuer.sign("operator", { admin: true }));
    expect(Object.keys(admin).sort()).toEqual([...ACCESS_TOKEN_CLAIMS].sort());
    expect(admin).toMatchObject({
      sub: subjectOf("operator"),
      "cognito:groups": ["admin"],
      iss: DEV_ISSUER,
      client_id: DEV_CLIENT_ID,
      token_use: "access",
      scope: "aws.cognito.signin.user.admin",
      username: "operator",
    });
    expect(admin.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const id of ["jti", "origin_jti", "event_id"] as const) expect(admin[id]).toMatch(/^[0-9a-f-]{36}$/);
    expect(admin.auth_time).toBe(admin.iat);
    // Cognito leaves cognito:groups out for a user in no group.
    const user = decodeJwt(await issuer.sign("mytestuser"));
    expect(Object.keys(user).sort()).toEqual(ACCESS_TOKEN_CLAIMS.filter((c) => c !== "cognito:groups").sort());
    expect(decodeProtectedHeader(await issuer.sign("mytestuser"))).toMatchObject({ alg: "ES256", kid: expect.any(String) });
  });
});

describe("InitiateAuth, as the API reference documents it", () => {
  it("signs in with USER_PASSWORD_AUTH: the example request gets a response of the example's shape", async () => {
    const response = await initiateAuth(EXAMPLE_REQUEST);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(AMZ_JSON);
    expect(shape(response.body)).toEqual(shape(EXAMPLE_RESPONSE));
    const { AccessToken, IdToken, ExpiresIn, TokenType } = response.body.AuthenticationResult;
    expect(TokenType).toBe("Bearer");
    expect(ExpiresIn).toBe(3600);
    const access = decodeJwt(AccessToken);
    expect(Object.keys(access).sort()).toEqual(ACCESS_TOKEN_CLAIMS.filter((c) => c !== "cognito:groups").sort());
    expect(access.exp! - access.iat!).toBe(ExpiresIn);
    const id = decodeJwt(IdToken);
    expect(id).toMatchObject({ token_use: "id", aud: DEV_CLIENT_ID, "cognito:username": "mytestuser", sub: access.sub, origin_jti: access.origin_jti });
  });

  it("puts an operator's groups in both tokens", async () => {
    const response = await initiateAuth({ ...EXAMPLE_REQUEST, AuthParameters: { USERNAME: "operator", PASSWORD: "op-password" } });
    expect(decodeJwt(response.body.AuthenticationResult.AccessToken)["cognito:groups"]).toEqual(["admin"]);
    expect(decodeJwt(response.body.AuthenticationResult.IdToken)["cognito:groups"]).toEqual(["admin"]);
  });

  it("answers a wrong password and an unknown user alike: NotAuthorizedException, HTTP 400", async () => {
    for (const parameters of [
      { USERNAME: "mytestuser", PASSWORD: "wrong" },
      { USERNAME: "nobody", PASSWORD: "This-is-my-test-99!" },
    ]) {
      const response = await initiateAuth({ ...EXAMPLE_REQUEST, AuthParameters: parameters });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ __type: "NotAuthorizedException", message: "Incorrect username or password." });
      expect(response.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException:");
    }
  });

  it("refreshes with REFRESH_TOKEN_AUTH: new tokens, the same session, no new refresh token", async () => {
    const signedIn = (await initiateAuth(EXAMPLE_REQUEST)).body.AuthenticationResult;
    const refreshed = await initiateAuth({ AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: DEV_CLIENT_ID, AuthParameters: { REFRESH_TOKEN: signedIn.RefreshToken } });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body.AuthenticationResult).sort()).toEqual(["AccessToken", "ExpiresIn", "IdToken", "TokenType"]);
    const [before, after] = [decodeJwt(signedIn.AccessToken), decodeJwt(refreshed.body.AuthenticationResult.AccessToken)];
    expect(after).toMatchObject({ username: "mytestuser", origin_jti: before.origin_jti, auth_time: before.auth_time });
    expect(after.jti).not.toBe(before.jti);
    const bad = await initiateAuth({ AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: DEV_CLIENT_ID, AuthParameters: { REFRESH_TOKEN: "not-a-refresh-token" } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ __type: "NotAuthorizedException", message: "Invalid Refresh Token" });
  });

  it("refuses another client, a missing parameter, and an unknown flow with Cognito's error types", async () => {
    expect((await initiateAuth({ ...EXAMPLE_REQUEST, ClientId: "someone-else" })).body.__type).toBe("ResourceNotFoundException");
    expect((await initiateAuth({ ...EXAMPLE_REQUEST, AuthParameters: { USERNAME: "mytestuser" } })).body.__type).toBe("InvalidParameterException");
    expect((await initiateAuth({ ...EXAMPLE_REQUEST, AuthFlow: "MAGIC" })).body.__type).toBe("InvalidParameterException");
    expect((await initiateAuth(EXAMPLE_REQUEST, { "x-amz-target": "AWSCognitoIdentityProviderService.SignUp" })).body.__type).toBe("UnknownOperationException");
  });

  it("answers a browser's CORS preflight, as Cognito's endpoint does", async () => {
    const response = await fetch(endpoint.url, {
      method: "OPTIONS",
      headers: { origin: "http://127.0.0.1:5173", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-amz-target" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("x-amz-target");
  });

  it("issues tokens the API accepts, naming the caller by username", async () => {
    const { AccessToken, IdToken } = (await initiateAuth({ ...EXAMPLE_REQUEST, AuthParameters: { USERNAME: "operator", PASSWORD: "op-password" } })).body.AuthenticationResult;
    const saved = { ...process.env };
    Object.assign(process.env, issuer.environment);
    try {
      const { authenticate } = await import("@ewallet/core/auth-token");
      expect(await authenticate(`Bearer ${AccessToken}`)).toEqual({ type: "user", userId: "operator", admin: true });
      expect(await authenticate(`Bearer ${IdToken}`)).toEqual({ type: "user", userId: "operator", admin: true });
    } finally {
      for (const key of Object.keys(issuer.environment)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });
});
