/**
 * Refusals Node's HTTP parser makes before any handler runs (headers too large, a malformed
 * request) get the API's JSON error shape instead of Node's bare status line or a reset.
 * API Gateway does the same in the cloud with its own limits (10 KB of headers for an HTTP API).
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

const REFUSALS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    code: "HEADERS_TOO_LARGE",
    message: "The request headers are too large (an Authorization header holds one bearer token)",
  },
  // Node's headersTimeout / requestTimeout: the request was not read in time. Under a backlog that is
  // the server's own slowness, so the answer says to retry, as Node's own 408 means; answered 400,
  // a retry of an accepted POST looked refused (found by the soak).
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: "Request Timeout",
    code: "REQUEST_TIMEOUT",
    message: "The request was not read in time; send it again (with the same Idempotency-Key)",
  },
};
const MALFORMED = { status: 400, reason: "Bad Request", code: "BAD_REQUEST", message: "The request could not be read" };

export function answerClientErrorsAsJson(server: object): void {
  // @hono/node-server's `serve` returns a node:http Server unless told to use http2.
  (server as Server).on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // A connection reset or a timeout has nobody left to answer.
    if (error.code === "ECONNRESET" || !socket.writable) return socket.destroy();
    const refusal = REFUSALS[error.code ?? ""] ?? MALFORMED;
    const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
    socket.end(
      `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
