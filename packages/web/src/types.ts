/**
 * The API's shapes as the dashboard reads them: core's own schemas (type-only imports,
 * nothing of core's runtime is bundled), so the dashboard cannot drift from the API.
 */
import type { Transfer as TransferModule } from "@ewallet/core/transfer/transfer";
import type { Wallet } from "@ewallet/core/wallet/wallet";

export const STATUSES = ["PENDING", "PROCESSING", "SUCCEEDED", "FAILED", "REQUIRES_ATTENTION"] as const;
export type TransferStatus = (typeof STATUSES)[number];

export const IN_FLIGHT: readonly TransferStatus[] = ["PENDING", "PROCESSING"];
export const isInFlight = (status: TransferStatus) => IN_FLIGHT.includes(status);

export type HistoryEntry = TransferModule.HistoryEntry;
export type Transfer = TransferModule.Info;
export type LedgerKind = Wallet.Kind;
export type LedgerEntry = Wallet.LedgerEntry;

export interface TransferDetail extends Transfer {
  ledger: LedgerEntry[];
}

export interface TransferPage {
  items: Transfer[];
  cursor?: string;
}

export type Account = Wallet.Info;

export interface AccountDetail extends Account {
  ledger: LedgerEntry[];
}

export type Totals = Wallet.Totals;

export interface AccountsResponse {
  items: Account[];
  totals: Totals;
}

export interface CreatedTransfer {
  transferId: string;
  status: "PENDING";
  senderUserId: string;
  receiverUserId: string;
  amount: string;
  currency: string;
  createdAt: string;
}

export interface FieldError {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldError[] };
}
