/**
 * The demo wallets a new stage starts with, offline (`pnpm start`) and on a non-production
 * deploy (infra/seed.ts) alike: the same users, balance and deposit keys, so both seed the same way.
 */
export const DEMO_USERS = ["alice", "bob", "carol", "dave"] as const;
export const DEMO_BALANCE = "1000.00";
/** The operator (admin group) that funds the demo wallets. */
export const DEMO_OPERATOR = "operator";
/** The Idempotency-Key of the operator's deposit that funds `userId`: a reseed replays it instead of paying twice. */
export const demoDepositKey = (userId: string) => `demo-seed-${userId}`;
