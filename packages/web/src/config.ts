/**
 * Where the API is and which tokens to use. `./config.json` sits next to index.html
 * (offline the local stack serves it; a cloud deploy may omit it). A build-time
 * VITE_API_URL (cloud deploy) wins over the file's apiUrl; when no token comes with
 * it, the operator pastes one, kept in localStorage.
 */
export interface DashboardConfig {
  apiUrl: string;
  adminToken?: string;
  userTokens?: Record<string, string>;
}

export interface ResolvedConfig {
  apiUrl: string;
  /** Token for reads (and for creating transfers when the sender has no token of their own). */
  adminToken?: string;
  userTokens: Record<string, string>;
  /** Where adminToken came from. */
  tokenSource: "config" | "pasted" | "none";
  /** Built for a deployed API (VITE_API_URL): tokens may have to be pasted. */
  deployed: boolean;
}

const TOKEN_KEY = "ewallet.dashboard.accessToken";

export function storedToken(): string | undefined {
  try {
    return localStorage.getItem(TOKEN_KEY)?.trim() || undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined) {
  try {
    if (token?.trim()) localStorage.setItem(TOKEN_KEY, token.trim());
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lives for this page only.
  }
}

async function readConfigFile(): Promise<Partial<DashboardConfig>> {
  try {
    const response = await fetch("./config.json", { cache: "no-store" });
    if (!response.ok) return {};
    const body: unknown = await response.json();
    return body && typeof body === "object" ? (body as Partial<DashboardConfig>) : {};
  } catch {
    return {};
  }
}

export class ConfigError extends Error {}

export async function loadConfig(): Promise<ResolvedConfig> {
  const file = await readConfigFile();
  const envUrl = (import.meta.env.VITE_API_URL as string | undefined)?.trim() || undefined;
  const apiUrl = (envUrl ?? (typeof file.apiUrl === "string" ? file.apiUrl : "")).replace(/\/+$/, "");
  if (!apiUrl) {
    throw new ConfigError("No API URL: serve a config.json with { apiUrl } next to index.html, or build with VITE_API_URL.");
  }
  const userTokens =
    file.userTokens && typeof file.userTokens === "object" ? Object.fromEntries(Object.entries(file.userTokens).filter(([, t]) => typeof t === "string" && t)) : {};
  const configured = typeof file.adminToken === "string" && file.adminToken ? file.adminToken : undefined;
  const pasted = configured ? undefined : storedToken();
  return {
    apiUrl,
    adminToken: configured ?? pasted,
    userTokens,
    tokenSource: configured ? "config" : pasted ? "pasted" : "none",
    deployed: Boolean(envUrl),
  };
}
