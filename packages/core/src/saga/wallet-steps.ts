/**
 * The saga steps that move money: each is one idempotent wallet transaction (Postgres only).
 * They import the wallet's money operations from their module, not the `Wallet` barrel, whose
 * namespace keeps the reads and account operations (and their schemas) in a step's bundle.
 */
import * as Wallet from "../wallet/money.ts";
import type { Outcome } from "../wallet/schema.ts";
import { now, step } from "./step.ts";
import type { WalletStepResult } from "./document.ts";

async function walletStep(run: () => Promise<Outcome>): Promise<WalletStepResult> {
  const outcome = await run();
  return { ...outcome, at: now() };
}

export namespace WalletSteps {
  export const debit = step("debit", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.debit({ transferId: saga.transferId, userId: saga.senderUserId, amount: saga.amount }));
  });

  export const credit = step("credit", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.credit({ transferId: saga.transferId, userId: saga.receiverUserId, amount: saga.amount }));
  });

  export const reverseCredit = step("reverseCredit", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.reverse({ transferId: saga.transferId, userId: saga.receiverUserId }));
  });

  export const refund = step("refund", async ({ saga }): Promise<WalletStepResult> => {
    return walletStep(() => Wallet.refund({ transferId: saga.transferId, userId: saga.senderUserId }));
  });
}
