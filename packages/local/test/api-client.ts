/** A small client for the offline API, used by the end-to-end tests. */
import { randomUUID } from "node:crypto";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export type TokenFor = (userId: string, options?: { admin?: boolean }) => Promise<string>;

/** Who a call is made as: a user id, the operator (admin group), or nobody (no token). */
export type Caller = string | { admin: true } | null;
export const OPERATOR = { admin: true } as const;

export function apiClient(baseUrl: string, tokenFor: TokenFor) {
  const tokens = new Map<string, Promise<string>>();
  async function authorization(caller: Caller): Promise<Record<string, string>> {
    if (caller === null) return {};
    const key = typeof caller === "string" ? caller : "\u0000operator";
    if (!tokens.has(key)) tokens.set(key, typeof caller === "string" ? tokenFor(caller) : tokenFor("operator", { admin: true }));
    return { authorization: `Bearer ${await tokens.get(key)}` };
  }
  async function call<T = any>(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; as?: Caller } = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(await authorization(init.as === undefined ? OPERATOR : init.as)), ...init.headers },
      body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }
  const api = {
    call,
    /** As the sender by default: only a wallet's owner may send from it. */
    createTransfer(body: unknown, idempotencyKey: string | null = randomUUID(), as?: Caller) {
      const sender = (body as { senderUserId?: unknown } | null)?.senderUserId;
      return call("POST", "/transfers", {
        body,
        headers: idempotencyKey === null ? {} : { "idempotency-key": idempotencyKey },
        as: as !== undefined ? as : typeof sender === "string" ? sender : OPERATOR,
      });
    },
    getTransfer(transferId: string) {
      return call("GET", `/transfers/${transferId}`);
    },
    listTransfers(query: Record<string, string> = {}) {
      return call("GET", `/transfers?${new URLSearchParams(query)}`);
    },
    getAccount(userId: string) {
      return call("GET", `/accounts/${userId}`);
    },
    async balance(userId: string): Promise<string> {
      const response = await call("GET", `/accounts/${userId}`);
      if (response.status !== 200) throw new Error(`GET /accounts/${userId} → ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.balance;
    },
    /** Polls until the transfer leaves PENDING/PROCESSING. */
    async waitForFinal(transferId: string, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await call("GET", `/transfers/${transferId}`);
        if (response.status === 200 && !["PENDING", "PROCESSING"].includes(response.body.status)) return response.body;
        if (Date.now() > deadline) throw new Error(`transfer ${transferId} still ${response.body?.status} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  return api;
}
