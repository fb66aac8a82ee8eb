/**
 * Deposits: `amount` from the treasury to a user, keyed by the deposit's reference. One call of
 * wallet.deposit (migration 0004), which locks the user's row then the treasury's, decides and
 * names the outcome like the saga's operations do; `verdict` maps it.
 */
import * as z from "../util/zod.ts";
import { Amount } from "../money.ts";
import { UserId } from "../user.ts";
import { db } from "./client.ts";
import { verdict, type MoneyRow } from "./money.ts";
import { fn } from "./run.ts";
import { DepositReference, type Outcome } from "./schema.ts";

export const deposit = fn(
  z.object({ reference: DepositReference, userId: UserId, amount: Amount }),
  async ({ reference, userId, amount }): Promise<Outcome> => {
    const [row] = await db()<MoneyRow[]>`
      select result, outcome, amount, balance_after, balance
      from wallet.deposit(${reference}, ${userId}, ${amount}::numeric)`;
    return verdict(row, { type: "DEPOSIT", transferId: reference, userId, amount });
  },
);
