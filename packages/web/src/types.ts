/** The API's shapes as the dashboard reads them (see packages/functions/src/api/app.ts). */

export const STATUSES = ["PENDING", "PROCESSING", "SUCCEEDED", "FAILED", "REQUIRES_ATTENTION"] as const;
export type TransferStatus = (typeof STATUSES)[number];

export const IN_FLIGHT: readonly TransferStatus[] = ["PENDING", "PROCESSING"];
export const isInFlight = (status: TransferStatus) => IN_FLIGHT.includes(status);

export interface HistoryEntry {
  step: string;
  outcome: string;
  at: string;
  detail?: string;
}

export interface Transfer {
  transferId: string;
  senderUserId: string;
  receiverUserId: string;
  amount: string;
  currency: string;
  status: TransferStatus;
  failureReason?: string;
  failureMessage?: string;
  executionId?: string;
  compensating: boolean;
  history: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
}

export type LedgerKind = "DEPOSIT" | "DEBIT" | "CREDIT" | "REFUND" | "REVERSE";

export interface LedgerEntry {
  id: string;
  userId: string;
  transactionId: string;
  transferId: string;
  kind: LedgerKind;
  amount: string;
  balanceAfter: string;
  at: string;
}

export interface TransferDetail extends Transfer {
  ledger: LedgerEntry[];
}

export interface TransferPage {
  items: Transfer[];
  cursor?: string;
}

export interface Account {
  userId: string;
  kind: "user" | "treasury";
  status: "open" | "closed";
  balance: string;
  createdAt: string;
}

export interface AccountDetail extends Account {
  ledger: LedgerEntry[];
}

export interface Totals {
  sumOfBalances: string;
  inTransit: string;
  accountsWithLedgerMismatch: number;
  negativeUserBalances: number;
}

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
