/** `pnpm run token <userId> [--admin]`: a bearer token the offline API (pnpm start) accepts. */
import { createDevIssuer, DEV_KEY_FILE } from "./dev-issuer.ts";
import { UserId } from "@ewallet/core/user";

const args = process.argv.slice(2);
const admin = args.includes("--admin");
const userId = args.find((arg) => !arg.startsWith("--"));
const parsed = UserId.safeParse(userId);
if (!parsed.success) {
  console.error("usage: pnpm run token <userId> [--admin]\n  " + (userId ? parsed.error.issues[0]?.message : "a user id is required"));
  process.exit(2);
}
const issuer = await createDevIssuer({ keyFile: DEV_KEY_FILE });
console.log(await issuer.sign(parsed.data, { admin }));
