/**
 * The API's shapes as the dashboard reads them: core's client-safe definitions (transfer/info.ts
 * imports no server library), so the dashboard cannot drift from the API.
 */
import type { AccountDetail, AccountsResponse, CreatedTransfer, ErrorBody, FieldError, HistoryEntry, TransferDetail, TransferInfo, TransferPage, TransferStatus } from "@ewallet/core/transfer/info";
import type { Info, Kind, LedgerEntry, Totals } from "@ewallet/core/wallet/schema";

export { STATUSES, isInFlight } from "@ewallet/core/transfer/info";
export type { AccountDetail, AccountsResponse, CreatedTransfer, ErrorBody, FieldError, HistoryEntry, LedgerEntry, Totals, TransferDetail, TransferPage, TransferStatus };

export type Transfer = TransferInfo;
export type LedgerKind = Kind;
export type Account = Info;
