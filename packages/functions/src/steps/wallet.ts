/** The wallet steps' Lambda handlers (Postgres only): infra deploys each export named in core's saga/registry.ts. */
import { WalletSteps } from "@ewallet/core/saga/wallet-steps";

export const { debit, credit, reverseCredit, refund } = WalletSteps;
