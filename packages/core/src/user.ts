import * as z from "./util/zod.ts";

/** A wallet owner's id: the token subject in the cloud, `alice` in the demo. */
export const UserId = z.string({ error: "user id must be a string" }).check(
  z.regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, {
    error: "user id must be 1–128 characters: letters, digits, '_', '.', '@', '-'",
  }),
);
export type UserId = z.infer<typeof UserId>;

/**
 * A handle people type to name a receiver, and the wallet's userId in the cloud: the Cognito
 * username, checked at sign-up (packages/functions/src/auth/pre-sign-up.ts). Lowercase only, so
 * "Alice" and "alice" can never be two wallets; always a valid UserId.
 */
export const Handle = z.string({ error: "a username must be a string" }).check(
  z.regex(/^[a-z0-9][a-z0-9_.-]{2,31}$/, {
    error: "a username is 3–32 characters: lowercase letters, digits, '_', '.', '-', starting with a letter or digit",
  }),
);
export type Handle = z.infer<typeof Handle>;
