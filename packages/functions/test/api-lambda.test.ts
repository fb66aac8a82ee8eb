/**
 * The API's Lambda handler (handler.ts), invoked with API Gateway's HTTP API event. It takes the
 * caller from the JWT authorizer's claims only; it verifies no token itself (no jose in its
 * bundle: bundles.test.ts). A request that reaches it without claims is refused, never served.
 *
 * The event is AWS's own example of payload format version 2.0, from "Create AWS Lambda proxy
 * integrations for HTTP APIs in API Gateway" (Amazon API Gateway developer guide),
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * with only the request line, headers, claims and body set per case. (A route without an
 * authorizer, such as `GET /openapi.json` in infra/api.ts, delivers no `authorizer` field.)
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LambdaEvent } from "hono/aws-lambda";
import { handler } from "../src/api/handler.ts";

const AWS_EXAMPLE_EVENT = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/my/path",
  rawQueryString: "parameter1=value1&parameter1=value2&parameter2=value",
  cookies: ["cookie1", "cookie2"],
  headers: { header1: "value1", header2: "value1,value2" },
  queryStringParameters: { parameter1: "value1,value2", parameter2: "value" },
  requestContext: {
    accountId: "123456789012",
    apiId: "api-id",
    authentication: {
      clientCert: {
        clientCertPem: "CERT_CONTENT",
        subjectDN: "www.example.com",
        issuerDN: "Example issuer",
        serialNumber: "a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1",
        validity: { notBefore: "May 28 12:30:02 2019 GMT", notAfter: "Aug  5 09:36:04 2021 GMT" },
      },
    },
    authorizer: { jwt: { claims: { claim1: "value1", claim2: "value2" }, scopes: ["scope1", "scope2"] } },
    domainName: "id.execute-api.us-east-1.amazonaws.com",
    domainPrefix: "id",
    http: { method: "POST", path: "/my/path", protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "agent" },
    requestId: "id",
    routeKey: "$default",
    stage: "$default",
    time: "12/Mar/2020:19:03:58 +0000",
    timeEpoch: 1583348638390,
  },
  body: "Hello from Lambda",
  pathParameters: { parameter1: "value1" },
  isBase64Encoded: false,
  stageVariables: { stageVariable1: "value1", stageVariable2: "value2" },
};

const ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example";
const CLIENT_ID = "example-client-id";
/** Claims as API Gateway passes them: every value a string, arrays flattened ("[admin]"). */
const claimsOf = (username: string, groups?: string) => ({
  iss: ISSUER,
  aud: CLIENT_ID,
  sub: `sub-of-${username}`,
  "cognito:username": username,
  token_use: "id",
  exp: String(Math.floor(Date.now() / 1000) + 60),
  ...(groups ? { "cognito:groups": groups } : {}),
});

/** AWS's example, as a GET of `path` with these headers, and these claims (or no authorizer at all). */
function event(path: string, claims: Record<string, string> | undefined, headers: Record<string, string> = {}) {
  const { authorizer: _documented, ...requestContext } = AWS_EXAMPLE_EVENT.requestContext;
  const [rawPath, rawQueryString = ""] = path.split("?");
  return {
    ...AWS_EXAMPLE_EVENT,
    rawPath,
    rawQueryString,
    queryStringParameters: undefined,
    cookies: undefined,
    headers,
    body: undefined,
    pathParameters: undefined,
    requestContext: {
      ...requestContext,
      http: { ...requestContext.http, method: "GET", path: rawPath },
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
  };
}

async function invoke(path: string, claims: Record<string, string> | undefined, headers?: Record<string, string>) {
  const result = await handler(event(path, claims, headers) as unknown as LambdaEvent);
  return { status: result.statusCode, body: JSON.parse(result.body) as { error?: { code: string } } };
}

describe("the API's Lambda handler, behind API Gateway's JWT authorizer", () => {
  beforeAll(() => {
    vi.stubEnv("AUTH_ISSUER", ISSUER);
    vi.stubEnv("AUTH_AUDIENCE", CLIENT_ID);
  });
  afterAll(() => vi.unstubAllEnvs());

  it("reads AWS's documented event as hono/aws-lambda hands it over (the documented claims are no caller of ours)", async () => {
    const response = await handler(AWS_EXAMPLE_EVENT as unknown as LambdaEvent);
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe("INVALID_TOKEN"); // claims from another issuer
  });

  it("refuses a request without the authorizer's claims (UNAUTHENTICATED), a bearer token notwithstanding", async () => {
    const headerSets: Record<string, string>[] = [{}, { authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl" }];
    for (const headers of headerSets) {
      for (const path of ["/accounts/alice", "/accounts", "/transfers", "/transfers/t-1", "/nowhere"]) {
        expect(await invoke(path, undefined, headers), path).toEqual({ status: 401, body: { error: expect.objectContaining({ code: "UNAUTHENTICATED" }) } });
      }
    }
  });

  it("takes the caller from the claims: a user is refused what only an operator may read, and reaches validation otherwise", async () => {
    expect((await invoke("/accounts", claimsOf("alice"))).status).toBe(403);
    expect((await invoke("/accounts/alice?limit=0", claimsOf("alice"))).body.error?.code).toBe("VALIDATION_FAILED");
    expect((await invoke("/transfers?limit=0", claimsOf("operator", "[admin]"))).body.error?.code).toBe("VALIDATION_FAILED");
  });

  it("refuses claims the authorizer would not have passed for this API (another issuer or audience)", async () => {
    expect((await invoke("/accounts/alice", { ...claimsOf("alice"), iss: "https://elsewhere" })).body.error?.code).toBe("INVALID_TOKEN");
    expect((await invoke("/accounts/alice", { ...claimsOf("alice"), aud: "another-client" })).body.error?.code).toBe("INVALID_TOKEN");
  });
});
