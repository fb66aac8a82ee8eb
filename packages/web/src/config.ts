/**
 * Where the API and the sign-in service are. `./config.json` sits next to index.html (offline
 * the local stack serves it); a cloud build sets VITE_API_URL, VITE_AUTH_ENDPOINT and
 * VITE_AUTH_CLIENT_ID instead. No token ever comes from here: people sign in.
 */
export interface AuthConfig {
  /** Cognito's user-pool API endpoint (https://cognito-idp.<region>.amazonaws.com/), or the development issuer's. */
  endpoint: string;
  /** The dashboard's app client id. */
  clientId: string;
}

export interface DashboardConfig {
  apiUrl: string;
  auth?: Partial<AuthConfig>;
}

export interface ResolvedConfig {
  apiUrl: string;
  auth: AuthConfig;
  /** Built for a deployed API (VITE_API_URL). */
  deployed: boolean;
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

const env = (name: string) => (import.meta.env[name] as string | undefined)?.trim() || undefined;

export async function loadConfig(): Promise<ResolvedConfig> {
  const file = await readConfigFile();
  const envUrl = env("VITE_API_URL");
  const apiUrl = (envUrl ?? (typeof file.apiUrl === "string" ? file.apiUrl : "")).replace(/\/+$/, "");
  if (!apiUrl) {
    throw new ConfigError("No API URL: serve a config.json with { apiUrl, auth } next to index.html, or build with VITE_API_URL.");
  }
  const endpoint = env("VITE_AUTH_ENDPOINT") ?? (typeof file.auth?.endpoint === "string" ? file.auth.endpoint : "");
  const clientId = env("VITE_AUTH_CLIENT_ID") ?? (typeof file.auth?.clientId === "string" ? file.auth.clientId : "");
  if (!endpoint || !clientId) {
    throw new ConfigError("No sign-in service: config.json needs auth { endpoint, clientId }, or build with VITE_AUTH_ENDPOINT and VITE_AUTH_CLIENT_ID.");
  }
  return { apiUrl, auth: { endpoint, clientId }, deployed: Boolean(envUrl) };
}
