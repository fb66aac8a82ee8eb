import { randomBytes } from "node:crypto";
import { functionDefaults, functionVpc, settings, walletEnvironment } from "./config";
import { adminGroup, userPool } from "./api";
import { migratorRun, postgres, vpc } from "./storage";
import { DEMO_BALANCE, DEMO_OPERATOR, DEMO_USERS } from "../packages/core/src/demo";

/**
 * A new non-production stage is usable at once: demo users in the stage's Cognito pool (an
 * operator in `admin`), and their wallets opened and funded through core on deploy (the same calls
 * `pnpm start` makes offline). Off for production, and with SEED_DEMO=false.
 */
const demoEmail = (name: string) => `${name}@demo.invalid`;

function seed() {
  // One password per stage, chosen when the users are created and kept on redeploys (ignoreChanges):
  // the stage's outputs show it, so people can sign in without an operator creating accounts.
  const password = `Demo-${randomBytes(12).toString("base64url")}1a`;
  const user = (name: string) =>
    new aws.cognito.User(
      `Demo${name.charAt(0).toUpperCase()}${name.slice(1)}`,
      {
        userPoolId: userPool.id,
        // The username is the wallet's userId and the handle others send to; email is an alias.
        username: name,
        attributes: { email: demoEmail(name), email_verified: "true" },
        password,
        messageAction: "SUPPRESS",
      },
      { ignoreChanges: ["password"] },
    );
  const users = DEMO_USERS.map((name) => ({ name, user: user(name) }));
  const operator = user(DEMO_OPERATOR);
  new aws.cognito.UserInGroup("DemoOperatorAdmin", { userPoolId: userPool.id, username: operator.username, groupName: adminGroup.name });

  const seeder = new sst.aws.Function("SeedDemo", {
    ...functionDefaults,
    handler: "packages/functions/src/seed-demo.handler",
    description: "Opens and funds the demo users' wallets (non-production deploys)",
    link: [postgres],
    vpc: functionVpc(vpc),
    timeout: "2 minutes",
    environment: { ...walletEnvironment, WALLET_CONNECT_TIMEOUT_SECONDS: "60" },
  });
  if (!$dev && migratorRun) {
    new aws.lambda.Invocation(
      "SeedDemoRun",
      {
        functionName: seeder.name,
        // A wallet's owner is the Cognito username (the API reads `username`, never `sub`).
        input: $jsonStringify({ users: users.map(({ name, user }) => ({ name, userId: user.username })), amount: DEMO_BALANCE }),
      },
      { dependsOn: [migratorRun] },
    );
  }
  return {
    demoUsers: `${[...DEMO_USERS, DEMO_OPERATOR].join(", ")} (operator: ${DEMO_OPERATOR}, in admin); wallets funded with ${DEMO_BALANCE} each`,
    demoPassword: $util.secret(operator.password.apply((p) => p ?? password)),
  };
}

export const outputs = settings.seedDemo ? seed() : {};
