/**
 * What the API does on a caller's behalf. Each operation applies the caller's rules (actor.ts)
 * itself, so a route only parses and shapes: it cannot forget them. Wallet onboarding does the
 * same in wallet/onboarding.ts. packages/functions/test/api-access.test.ts keeps every route on
 * these (no route calls Transfer's or Wallet's operations directly).
 */
import type { z } from "zod";
import { Actor } from "./actor.ts";
import { AppError } from "./error.ts";
// The operations the API needs, not the Transfer and Wallet barrels: those add the saga's moves
// and the money path to the API's bundle (issue 12).
import { create as createTransfer } from "./transfer/create.ts";
import { get as getTransfer } from "./transfer/item.ts";
import { list as listTransfers, type ListInput } from "./transfer/list.ts";
import { ApiErrorCode, CreateInput, TransferError } from "./transfer/info.ts";
import { parse } from "./util/fn.ts";
import { account as getAccount, accounts as listAccounts } from "./wallet/accounts.ts";
import { WalletError } from "./wallet/errors.ts";
import { ledger as ledgerOf, ledgerForTransfer, totals as walletTotals } from "./wallet/reads.ts";

export namespace TransferAccess {
  /**
   * Money leaves a wallet only at its owner's request; the key is scoped to the caller, so two
   * users never collide. The body is anything: a bad one is INVALID_TRANSFER_REQUEST (400) before
   * any question of who may send (403).
   */
  export async function create(input: { idempotencyKey: string | undefined; request: unknown }) {
    if (!input.idempotencyKey) {
      throw new AppError("validation", ApiErrorCode.IDEMPOTENCY_KEY_REQUIRED, "The Idempotency-Key header is required for POST /transfers");
    }
    const request = parse(CreateInput, input.request, TransferError.INVALID_TRANSFER_REQUEST, "transfer request");
    const caller = Actor.assertMaySendFrom(request.senderUserId);
    return createTransfer({ scope: caller.userId, idempotencyKey: input.idempotencyKey, request });
  }

  /** A transfer with the ledger entries its saga wrote, for its parties and operators. */
  export async function get(transferId: string) {
    const transfer = await getTransfer(transferId);
    if (!transfer) throw new AppError("not_found", TransferError.TRANSFER_NOT_FOUND, `No transfer ${transferId}`);
    Actor.assertMayRead(transfer.senderUserId, transfer.receiverUserId);
    const ledger = await ledgerForTransfer(transferId);
    return { ...transfer, ledger };
  }

  /** One page of transfers; without a user, everyone's for an operator and the caller's own for a user. */
  export async function list(query: Omit<z.input<typeof ListInput>, "userId"> & { user?: string }) {
    const { user, ...rest } = query;
    return listTransfers({ ...rest, userId: Actor.readableUser(user) });
  }
}

export namespace AccountAccess {
  /** Every account with the conservation totals (operators). */
  export async function list() {
    Actor.assertAdmin();
    const [items, totals] = await Promise.all([listAccounts(), walletTotals()]);
    return { items, totals };
  }

  /** An account with its latest ledger entries, for its owner and operators. */
  export async function get(userId: string, options: { limit?: number }) {
    Actor.assertMayRead(userId);
    const account = await getAccount(userId);
    if (!account) throw new AppError("not_found", WalletError.ACCOUNT_NOT_FOUND, `No account for user ${userId}`);
    const ledger = await ledgerOf(userId, { limit: options.limit });
    return { ...account, ledger };
  }
}
