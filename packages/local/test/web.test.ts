/**
 * The offline dashboard server: config.json only for its own loopback host (DNS rebinding). It no
 * longer carries a token (people sign in), but it still tells a page where the API and the sign-in
 * endpoint are, which a foreign page has no business learning.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { startDashboard, type Dashboard } from "../src/web.ts";

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard({ apiUrl: "http://127.0.0.1:9", auth: { url: "http://127.0.0.1:10", clientId: "dashboard-client-id" } });
});
afterAll(async () => {
  await dashboard?.stop();
});

/** GET with an explicit Host header (fetch does not let a caller set one). */
function get(path: string, host: string) {
  const url = new URL(path, dashboard.url);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("dashboard config.json", () => {
  it("is served to the dashboard's own loopback host", async () => {
    const port = new URL(dashboard.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const response = await get("/config.json", host);
      expect(response.status, host).toBe(200);
      expect(JSON.parse(response.text)).toMatchObject({ apiUrl: "http://127.0.0.1:9", auth: { clientId: "dashboard-client-id" } });
    }
  });

  it("is refused to any other Host (a DNS-rebinding page), without the configuration", async () => {
    const port = new URL(dashboard.url).port;
    for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`]) {
      const response = await get("/config.json", host);
      expect(response.status, host).toBe(421);
      expect(response.text).not.toContain("dashboard-client-id");
    }
    // The page itself is harmless and still served (the browser then fails to read config.json).
    expect((await get("/", `evil.example:${port}`)).status).toBe(200);
  });
});
