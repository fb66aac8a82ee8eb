/** The API's routers and where each is mounted, in order: the app serves them and the OpenAPI document describes them. */
import { AccountsApi } from "./accounts.ts";
import { OnboardingApi } from "./onboarding.ts";
import { TransfersApi } from "./transfers.ts";

export const RESOURCES = [
  { path: "/transfers", router: TransfersApi.route },
  { path: "/accounts", router: AccountsApi.route },
  { path: "/accounts", router: OnboardingApi.route },
] as const;
