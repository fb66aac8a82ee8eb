/**
 * The ONE module that talks to the API. Every call sends `Authorization: Bearer <token>` with
 * the signed-in user's current access token (read at each call, so a refreshed token is used
 * at once). A transfer is sent as the signed-in user: only a wallet's owner may send from it.
 * Errors always surface as ApiError with the API's `{ error: { code, message, fields? } }`.
 */
import type { ResolvedConfig } from "./config.ts";
import type {
  AccountDetail,
  AccountsResponse,
  CreatedTransfer,
  ErrorBody,
  FieldError,
  TransferDetail,
  TransferPage,
  TransferStatus,
} from "./types.ts";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldError[];
  constructor(status: number, code: string, message: string, fields: FieldError[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export interface TransferQuery {
  status?: TransferStatus | "";
  user?: string;
  cursor?: string;
  limit?: number;
}

export interface NewTransfer {
  senderUserId: string;
  receiverUserId: string;
  amount: string;
}

/** A fresh Idempotency-Key; randomUUID needs a secure context, getRandomValues does not. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function isErrorBody(body: unknown): body is ErrorBody {
  const error = (body as ErrorBody | null)?.error;
  return typeof error === "object" && error !== null && typeof error.code === "string";
}

const TIMEOUT_MS = 15_000;

export type Api = ReturnType<typeof createApi>;

export function createApi(config: ResolvedConfig, auth: { getToken: () => string | undefined; onUnauthorized?: (error: ApiError) => void }) {
  async function request<T>(method: "GET" | "POST", path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    const token = options.token ?? auth.getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${config.apiUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      throw new ApiError(
        0,
        timedOut ? "TIMEOUT" : "NETWORK_ERROR",
        timedOut ? `The API at ${config.apiUrl} did not answer within ${TIMEOUT_MS / 1000} s` : `Could not reach the API at ${config.apiUrl} (down, or CORS refused)`,
      );
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = isErrorBody(body)
        ? new ApiError(response.status, body.error.code, body.error.message, body.error.fields ?? [])
        : new ApiError(response.status, `HTTP_${response.status}`, text.slice(0, 200) || response.statusText || `HTTP ${response.status}`);
      if (response.status === 401) auth.onUnauthorized?.(error);
      throw error;
    }
    return body as T;
  }

  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(key, String(value));
    const text = search.toString();
    return text ? `?${text}` : "";
  };

  return {
    apiUrl: config.apiUrl,
    listTransfers(q: TransferQuery = {}) {
      return request<TransferPage>("GET", `/transfers${query({ status: q.status, user: q.user?.trim(), cursor: q.cursor, limit: q.limit })}`);
    },
    getTransfer(transferId: string) {
      return request<TransferDetail>("GET", `/transfers/${encodeURIComponent(transferId)}`);
    },
    listAccounts() {
      return request<AccountsResponse>("GET", "/accounts");
    },
    getAccount(userId: string, limit = 100) {
      return request<AccountDetail>("GET", `/accounts/${encodeURIComponent(userId)}${query({ limit })}`);
    },
    /** One submission, one fresh Idempotency-Key. */
    createTransfer(input: NewTransfer, idempotencyKey = newIdempotencyKey()) {
      return request<CreatedTransfer>("POST", "/transfers", { body: input, headers: { "idempotency-key": idempotencyKey } });
    },
  };
}
