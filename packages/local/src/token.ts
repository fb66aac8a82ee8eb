/**
 * A bearer token for curl.
 *   pnpm run token <user> [--admin]          offline: signed by the development issuer that `pnpm start` trusts
 *   pnpm run token --stage <stage> <user>    a deployed stage: signs in through its Cognito user pool
 *                                            (InitiateAuth, USER_PASSWORD_AUTH), as the dashboard does
 * For a stage, the password comes from EWALLET_PASSWORD or the first line of standard input, and the
 * pool and app client from the stage's outputs (.sst/outputs.json, written by `sst deploy`/`sst refresh`;
 * `--outputs <file>` reads another). AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER overrides Cognito's
 * endpoint, as for the AWS SDKs (the tests point it at the development issuer).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { UserId } from "@ewallet/core/user";
import { AMZ_JSON, createDevIssuer, DEV_KEY_FILE, INITIATE_AUTH_TARGET } from "./dev-issuer.ts";

const USAGE = "usage: pnpm run token <user> [--admin]\n       pnpm run token --stage <stage> [--outputs <file>] <user>   (password: EWALLET_PASSWORD or stdin)";

function fail(message: string, code = 2): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(code);
}

function parseArgs(argv: string[]) {
  const options: { admin: boolean; stage?: string; outputs?: string; user?: string } = { admin: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--admin") options.admin = true;
    else if (arg === "--stage" || arg === "--outputs") {
      const value = argv[++i];
      if (!value || value.startsWith("--")) fail(`${arg} needs a value`);
      options[arg === "--stage" ? "stage" : "outputs"] = value;
    } else if (arg.startsWith("--")) fail(`unknown option ${arg}`);
    else if (options.user === undefined) options.user = arg;
    else fail(`unexpected argument ${arg}`);
  }
  return options;
}

async function readPassword(): Promise<string> {
  if (process.env.EWALLET_PASSWORD) return process.env.EWALLET_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write("Password: ");
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

/** The Cognito endpoint and app client of a deployed stage, from its SST outputs. */
async function stageAuth(stage: string, outputsFile: string) {
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(await readFile(outputsFile, "utf8")) as Record<string, unknown>;
  } catch (error) {
    fail(`cannot read the outputs of stage ${stage} from ${outputsFile} (${(error as Error).message}); run \`pnpm sst refresh --stage ${stage}\` to write them`, 1);
  }
  if (typeof outputs.stage === "string" && outputs.stage !== stage) {
    fail(`${outputsFile} holds the outputs of stage ${outputs.stage}, not ${stage}; run \`pnpm sst refresh --stage ${stage}\``, 1);
  }
  const { userPool, userPoolClient } = outputs;
  if (typeof userPool !== "string" || typeof userPoolClient !== "string") fail(`${outputsFile} has no userPool/userPoolClient outputs`, 1);
  // A pool id is "<region>_<id>": the region names the endpoint.
  const region = typeof outputs.region === "string" ? outputs.region : userPool.split("_")[0];
  const endpoint = process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? `https://cognito-idp.${region}.amazonaws.com/`;
  return { endpoint, clientId: userPoolClient };
}

const options = parseArgs(process.argv.slice(2));
const parsed = UserId.safeParse(options.user);
if (!parsed.success) fail(options.user ? parsed.error.issues[0]!.message : "a user is required");

if (options.stage === undefined) {
  const issuer = await createDevIssuer({ keyFile: DEV_KEY_FILE });
  console.log(await issuer.sign(parsed.data, { admin: options.admin }));
} else {
  // In the cloud, the operators' group membership lives in the pool: --admin cannot grant it.
  if (options.admin) fail("--admin applies offline only; in a stage, operators are the members of the pool's admin group");
  const { endpoint, clientId } = await stageAuth(options.stage, resolve(options.outputs ?? ".sst/outputs.json"));
  const password = await readPassword();
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": AMZ_JSON, "x-amz-target": INITIATE_AUTH_TARGET },
    body: JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: clientId, AuthParameters: { USERNAME: parsed.data, PASSWORD: password } }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    AuthenticationResult?: { AccessToken?: string };
    ChallengeName?: string;
    __type?: string;
    message?: string;
  };
  if (!response.ok) fail(`sign-in refused: ${body.__type ?? `HTTP ${response.status}`}: ${body.message ?? ""}`.trim(), 1);
  if (!body.AuthenticationResult?.AccessToken) {
    // e.g. NEW_PASSWORD_REQUIRED for a user an operator created: sign in once on the dashboard or with the AWS CLI first.
    fail(`sign-in needs a further step (${body.ChallengeName ?? "no tokens returned"}); complete it first`, 1);
  }
  console.log(body.AuthenticationResult.AccessToken);
}
