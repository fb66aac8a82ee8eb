/**
 * The offline server's way to know the caller (packages/local): it verifies the bearer token
 * itself, as no API Gateway authorizer runs there. Never imported by the Lambda (caller.ts).
 */
import { authenticate } from "@ewallet/core/auth-token";
import type { Authenticate } from "./caller.ts";

export const fromBearerToken: Authenticate = (c) => authenticate(c.req.header("authorization"));
