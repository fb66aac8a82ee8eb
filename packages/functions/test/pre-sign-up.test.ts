/** The pre sign-up trigger admits only usernames that are valid wallet handles. */
import { describe, expect, it } from "vitest";
import { handler } from "../src/auth/pre-sign-up.ts";
import { UserId } from "@ewallet/core/user";

// The event's shape: AWS's "Pre sign-up Lambda trigger" page (userName, triggerSource, request, response).
const event = (userName: string) => ({
  version: "1",
  region: "us-east-1",
  userPoolId: "us-east-1_example",
  userName,
  triggerSource: "PreSignUp_SignUp",
  request: { userAttributes: { email: `${userName}@example.com` } },
  response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
});

describe("pre sign-up", () => {
  it("admits handles people can type, unchanged", async () => {
    for (const name of ["alice", "operator", "bob.smith", "erin-42", "x_y"]) {
      expect(await handler(event(name))).toEqual(event(name));
      expect(UserId.safeParse(name).success).toBe(true);
    }
  });

  it("refuses what could not be a wallet's handle", async () => {
    for (const name of ["Alice", "al", "josé", "a b", "-dash", "_treasury", "x".repeat(33), "me@example.com"]) {
      await expect(handler(event(name))).rejects.toThrow(/is not allowed/);
    }
  });
});
