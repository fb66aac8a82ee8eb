/**
 * Runs on deploy of a non-production stage (infra/seed.ts): opens and funds the demo users'
 * wallets through core, the same calls `pnpm start` makes offline. Idempotent: an open wallet
 * stays open and each deposit's reference is the operator's `demo-seed-<name>` key, so a redeploy moves no money.
 */
import * as z from "@ewallet/core/util/zod";
import { Wallet } from "@ewallet/core/wallet/wallet";
import { UserId } from "@ewallet/core/user";
import { Onboarding } from "@ewallet/core/wallet/onboarding";
import { DEMO_OPERATOR, demoDepositKey } from "@ewallet/core/demo";

const SeedInput = z.object({ users: z.array(z.object({ userId: UserId, name: z.string() })), amount: z.string() });

export async function handler(event: unknown) {
  const { users, amount } = SeedInput.parse(event);
  for (const { userId, name } of users) {
    await Wallet.openAccount({ userId });
    // The reference an operator's deposit with Idempotency-Key `demo-seed-<name>` has (as offline):
    // a redeploy, or that deposit made by hand, replays instead of paying twice.
    await Wallet.deposit({ reference: Onboarding.depositReference(DEMO_OPERATOR, demoDepositKey(name)), userId, amount });
  }
  console.log(JSON.stringify({ level: "info", message: "demo wallets seeded", users: users.map((u) => u.name), amount }));
  return { seeded: users.length };
}
