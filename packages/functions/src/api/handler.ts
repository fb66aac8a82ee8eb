import { handle } from "hono/aws-lambda";
import { createApp } from "./app.ts";
import { fromAuthorizerClaims } from "./caller.ts";

/** Behind API Gateway, whose JWT authorizer verified the token: the caller comes from its claims (no JWT library here). */
export const handler = handle(createApp({ authenticate: fromAuthorizerClaims }));
