/**
 * Wallet onboarding: a user opens their own wallet; an operator funds one from the treasury.
 * Both are idempotent, as the API promises: opening twice returns the same account, and a
 * deposit is applied once per operator Idempotency-Key (the wallet inbox records it under a
 * reference derived from the key, so a replay moves nothing and returns the same entry).
 */
import { createHash } from "node:crypto";
import * as z from "../util/zod.ts";
import { Actor } from "../actor.ts";
import { AppError, isAppError } from "../error.ts";
import { IdempotencyKey } from "../idempotency.ts";
import { Amount } from "../money.ts";
import { TransferError } from "../transfer/errors.ts";
import { ApiErrorCode } from "../transfer/info.ts";
import { UserId } from "../user.ts";
import { parse } from "../util/fn.ts";
import { Wallet, WalletError } from "./wallet.ts";

export namespace Onboarding {
  /**
   * What POST /accounts answers: the fields fixed when the account was opened, so the
   * first answer and every later one are the same body (the balance is at GET /accounts/{userId}).
   */
  export const OpenedAccount = z.object({ userId: z.string(), kind: z.enum(["user", "treasury"]), createdAt: z.string() });
  export type OpenedAccount = z.infer<typeof OpenedAccount>;

  /** The body of POST /accounts/{userId}/deposits. */
  export const DepositInput = z.strictObject({ amount: Amount });
  export type DepositInput = z.output<typeof DepositInput>;

  /** Opens the caller's own wallet (a caller can only ever open their own). */
  export async function openOwnAccount(): Promise<{ account: OpenedAccount; created: boolean }> {
    const caller = Actor.user();
    const { account, created } = await Wallet.open({ userId: caller.userId });
    return { account: { userId: account.userId, kind: account.kind, createdAt: account.createdAt }, created };
  }

  /** The deposit's inbox reference: one per operator and key (keys are scoped to their caller, as for transfers). */
  export function depositReference(operatorUserId: string, idempotencyKey: string): string {
    return `dep-${createHash("sha256").update(`${operatorUserId}#${idempotencyKey}`).digest("hex")}`;
  }

  const reused = () =>
    new AppError("conflict", TransferError.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key was already used with a different request");

  /**
   * Moves `amount` from the treasury to `userId`'s wallet (operators only). Returns the
   * user's ledger entry; `replayed` when this key had already been applied (nothing moved).
   */
  export async function deposit(input: { idempotencyKey: string | undefined; userId: string; request: unknown }) {
    const operator = Actor.assertAdmin();
    if (input.idempotencyKey === undefined) {
      throw new AppError("validation", ApiErrorCode.IDEMPOTENCY_KEY_REQUIRED, "The Idempotency-Key header is required for deposits");
    }
    const idempotencyKey = parse(IdempotencyKey, input.idempotencyKey, TransferError.INVALID_IDEMPOTENCY_KEY, "Idempotency-Key");
    const userId = parse(UserId, input.userId, WalletError.INVALID_INPUT, "user id");
    const { amount } = parse(DepositInput, input.request, WalletError.INVALID_INPUT, "deposit");
    const reference = depositReference(operator.userId, idempotencyKey);
    const transactionId = `DEPOSIT#${reference}`;
    // Same key, other wallet or amount: refused before anything else (even when that other wallet does not exist).
    const prior = await Wallet.recorded(transactionId);
    if (prior && (prior.userId !== userId || prior.amount !== amount)) throw reused();
    let outcome: Wallet.Outcome;
    try {
      outcome = await Wallet.deposit({ reference, userId, amount });
    } catch (error) {
      // A concurrent first use of the key with another body won the race.
      if (isAppError(error, WalletError.TRANSFER_MISMATCH)) throw reused();
      throw error;
    }
    const entry = await Wallet.entry(transactionId, userId);
    if (!entry) throw new Error(`deposit ${transactionId} applied without a ledger entry for ${userId}`);
    return { entry, replayed: outcome.replayed };
  }
}
