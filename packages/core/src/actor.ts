/**
 * Who is calling, for the duration of one request (terminal's request-context pattern),
 * and the authorization rules of the API — written once, here, and applied by core's
 * operations themselves (access.ts, wallet/onboarding.ts), never by a route.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { AppError } from "./error.ts";

export type Actor =
  | { type: "user"; userId: string; admin: boolean }
  | { type: "public" };

const storage = new AsyncLocalStorage<Actor>();

export namespace Actor {
  export const ADMIN_GROUP = "admin";

  export function provide<R>(actor: Actor, fn: () => R): R {
    return storage.run(actor, fn);
  }

  export function use(): Actor {
    return storage.getStore() ?? { type: "public" };
  }

  /** The authenticated caller, or 401. */
  export function user(): Extract<Actor, { type: "user" }> {
    const actor = use();
    if (actor.type !== "user") throw new AppError("unauthorized", "UNAUTHENTICATED", "A valid bearer token is required");
    return actor;
  }

  /** Money leaves a wallet only at its owner's request — admins included. */
  export function assertMaySendFrom(senderUserId: string) {
    const actor = user();
    if (actor.userId !== senderUserId) {
      throw new AppError("forbidden", "FORBIDDEN", `You may only send from your own wallet (${actor.userId})`);
    }
    return actor;
  }

  /** Reading is for the parties concerned, and for operators (admin group). */
  export function assertMayRead(...userIds: string[]) {
    const actor = user();
    if (!actor.admin && !userIds.includes(actor.userId)) {
      throw new AppError("forbidden", "FORBIDDEN", "You may only read your own wallet and transfers");
    }
    return actor;
  }

  /**
   * Whose transfers a list shows: the user asked for, if the caller may read theirs; without one,
   * everyone's for an operator (undefined) and the caller's own for a user.
   */
  export function readableUser(requested: string | undefined): string | undefined {
    const actor = user();
    const userId = requested ?? (actor.admin ? undefined : actor.userId);
    if (userId) assertMayRead(userId);
    return userId;
  }

  export function assertAdmin() {
    const actor = user();
    if (!actor.admin) throw new AppError("forbidden", "FORBIDDEN", "This needs the admin group");
    return actor;
  }
}
