/**
 * Node's own refusals, answered in the API's JSON shape. A request Node did not read in time
 * (headersTimeout / requestTimeout, which a backlogged server hits on its own) is a 408 that says
 * to send it again: the soak saw four retries of accepted POSTs answered 400, which a client reads
 * as "refused" although the transfer exists.
 */
import { afterAll, expect, it } from "vitest";
import { createServer } from "node:http";
import { connect } from "node:net";
import { answerClientErrorsAsJson } from "../src/http-errors.ts";

// Short timeouts, checked often, so the test takes a second rather than Node's 60 s.
const server = createServer({ headersTimeout: 300, requestTimeout: 400, connectionsCheckingInterval: 50 }, (_request, response) => {
  response.end("{}");
});
answerClientErrorsAsJson(server);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.address() as { port: number }).port;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function rawExchange(partialRequest: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(partialRequest));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
    setTimeout(() => (socket.destroy(), resolve(answer)), 5000);
  });
}

it("answers a request not read in time with a JSON 408 that says to retry, not a 400", async () => {
  // Headers that never finish: Node gives up after headersTimeout.
  const answer = await rawExchange("POST /transfers HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n");
  const [head, body] = answer.split("\r\n\r\n");
  expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  expect(head).toMatch(/content-type: application\/json/);
  expect(JSON.parse(body!)).toEqual({ error: { code: "REQUEST_TIMEOUT", message: expect.stringMatching(/same Idempotency-Key/) } });
});

it("still answers a malformed request with the JSON 400", async () => {
  const answer = await rawExchange("NOT-HTTP\r\n\r\n");
  expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  expect(JSON.parse(answer.split("\r\n\r\n")[1]!)).toEqual({ error: { code: "BAD_REQUEST", message: "The request could not be read" } });
});
