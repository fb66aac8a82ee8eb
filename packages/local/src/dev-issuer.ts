/**
 * The offline stack's development token issuer: an ES256 key pair whose public half the
 * offline API trusts (AUTH_JWKS), exactly as the cloud API trusts the Cognito user pool.
 * Tokens carry the same claims Cognito puts in them (`sub`, `cognito:groups`).
 */
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEV_ISSUER = "https://ewallet.local/dev-issuer";
export const DEV_AUDIENCE = "ewallet-api";
/** Where `pnpm start` keeps its key, so `pnpm run token` can sign for it (gitignored). */
export const DEV_KEY_FILE = join(dirname(fileURLToPath(import.meta.url)), "../../../.data/dev-issuer.json");

export interface DevIssuer {
  /** Environment the API verifies tokens with. */
  environment: { AUTH_ISSUER: string; AUTH_AUDIENCE: string; AUTH_JWKS: string };
  sign(userId: string, options?: { admin?: boolean; ttlSeconds?: number }): Promise<string>;
}

async function fromPrivateJwk(privateJwk: JWK): Promise<DevIssuer> {
  const key = await importJWK(privateJwk, "ES256");
  const { d: _secret, ...publicJwk } = privateJwk;
  return {
    environment: {
      AUTH_ISSUER: DEV_ISSUER,
      AUTH_AUDIENCE: DEV_AUDIENCE,
      AUTH_JWKS: JSON.stringify({ keys: [{ ...publicJwk, alg: "ES256", use: "sig" }] }),
    },
    sign(userId, options = {}) {
      return new SignJWT({ ...(options.admin ? { "cognito:groups": ["admin"] } : {}), token_use: "access" })
        .setProtectedHeader({ alg: "ES256", kid: privateJwk.kid })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime(`${options.ttlSeconds ?? 12 * 3600}s`)
        .sign(key);
    },
  };
}

/** A new issuer; with `keyFile`, reuse the key stored there (creating it on first use). */
export async function createDevIssuer(options: { keyFile?: string } = {}): Promise<DevIssuer> {
  if (options.keyFile) {
    try {
      return await fromPrivateJwk(JSON.parse(await readFile(options.keyFile, "utf8")) as JWK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: `dev-${Date.now().toString(36)}` };
  if (options.keyFile) {
    await mkdir(dirname(options.keyFile), { recursive: true });
    await writeFile(options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  return fromPrivateJwk(privateJwk);
}
