/**
 * Cognito pre sign-up trigger: a username becomes a wallet's userId and the handle others
 * send to, so it must be a valid handle (core's `Handle`). Cognito refuses the sign-up with
 * this error's message ("PreSignUp failed with error …"). Wiring it is an infra need (docs/DESIGN.md).
 */
import { Handle } from "@ewallet/core/user";

interface PreSignUpEvent {
  userName: string;
  triggerSource: string;
  response: Record<string, unknown>;
}

export async function handler(event: PreSignUpEvent): Promise<PreSignUpEvent> {
  const parsed = Handle.safeParse(event.userName);
  if (!parsed.success) throw new Error(`Username "${event.userName}" is not allowed: ${parsed.error.issues[0]!.message}`);
  // Self sign-ups still confirm their email (the pool's verification); nothing is auto-confirmed here.
  return event;
}
