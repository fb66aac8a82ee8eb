/**
 * The demo seed a non-production deploy invokes (infra/seed.ts → functions/seed-demo.ts), run
 * against this file's real Postgres: wallets opened and funded once, a redeploy moves nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/src/seed-demo.ts";
import { Wallet } from "../../core/src/wallet/wallet.ts";
import { closeDb } from "../../core/src/wallet/client.ts";

afterAll(() => closeDb());

const input = {
  users: [
    { name: "alice", userId: "0b5e8d9a-1111-4f00-9c1e-a11ce0000001" },
    { name: "bob", userId: "0b5e8d9a-2222-4f00-9c1e-b0b000000002" },
  ],
  amount: "1000.00",
};

describe("infra's demo seed", () => {
  it("opens and funds each demo wallet once, even when the deploy invokes it again", async () => {
    expect(await handler(input)).toEqual({ seeded: 2 });
    expect(await handler(input)).toEqual({ seeded: 2 });
    for (const { userId } of input.users) {
      expect((await Wallet.account(userId))?.balance).toBe("1000.00");
      expect(await Wallet.ledger(userId)).toHaveLength(1);
    }
    const totals = await Wallet.totals();
    expect(totals.conserved).toBe(true);
  });

  it("refuses an input that is not a list of users and an amount", async () => {
    await expect(handler({ users: [{ name: "x", userId: "not a valid id!" }], amount: "1.00" })).rejects.toThrow();
  });
});
