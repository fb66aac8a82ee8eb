import { z } from "zod";

/** A wallet owner's id: the token subject in the cloud, `alice` in the demo. */
export const UserId = z
  .string({ error: "user id must be a string" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, {
    error: "user id must be 1–128 characters: letters, digits, '_', '.', '@', '-'",
  });
export type UserId = z.infer<typeof UserId>;
