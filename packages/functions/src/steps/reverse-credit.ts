import { WalletSteps } from "@ewallet/core/saga/wallet-steps";

export const handler = WalletSteps.reverseCredit;
