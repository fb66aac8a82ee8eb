/**
 * The operator dashboard in a real browser against the whole offline system: the runtime
 * (API → DynamoDB → stream → pipe → saga → Postgres), the development issuer's sign-in
 * endpoint (Cognito's InitiateAuth), the built dashboard served by packages/local, and
 * Debian's chromium driven by playwright-core. Every test starts signed out (storage
 * cleared) and signs in as the user it needs; waits are on page state, never on time.
 * Screenshots of each view land in packages/web/test-results/ (one is copied to docs/dashboard.png).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { DEMO_OPERATOR, DEMO_PASSWORD, DEMO_USERS, startRuntime, type Runtime } from "../../local/src/stack.ts";
import { createDevIssuer } from "../../local/src/dev-issuer.ts";
import { startDashboard, type Dashboard } from "../../local/src/web.ts";
import { apiClient } from "../../local/test/api-client.ts";

const CHROMIUM = "/usr/bin/chromium";
const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = resolve(HERE, "../test-results");
const README_SHOT = resolve(HERE, "../../../docs/dashboard.png");
const hasChromium = existsSync(CHROMIUM);
/** Short-lived access tokens, so the session must refresh itself within the run (Cognito's default is 3600). */
const TOKEN_TTL_SECONDS = 20;

if (!hasChromium) {
  console.warn(`dashboard.test.ts skipped: ${CHROMIUM} is missing (apt-get install chromium; CI installs it).`);
}

let runtime: Runtime | undefined;
let dashboard: Dashboard | undefined;
let context: BrowserContext | undefined;
let profileDir: string | undefined;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string) {
  const path = join(RESULTS, `${name}.png`);
  // Entrance animations finished, so the picture is what an operator sees (a state, not a delay).
  // (Endless ones, such as a pulsing status dot, never finish and are left out.)
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  await page.screenshot({ path });
  return path;
}

const TRANSFER_URL = /#\/transfers\/([0-9A-HJKMNP-TV-Z]{26})$/;

/** The known starting state: signed out, nothing stored, the sign-in form showing. */
async function signedOut() {
  await page.goto(`${dashboard!.url}/#/transfers`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByTestId("sign-in").waitFor();
}

/** Signs in through the form (the development issuer's InitiateAuth) and waits for the app. */
async function signIn(username: string, password = DEMO_PASSWORD) {
  await signedOut();
  const form = page.getByTestId("sign-in");
  await form.locator('input[name="username"]').fill(username);
  await form.locator('input[name="password"]').fill(password);
  await form.getByTestId("sign-in-submit").click();
  await page.locator(`[data-testid="session"][data-username="${username}"]`).waitFor();
  await page.getByTestId("transfers").waitFor();
}

/** The stored session's access-token claims. */
async function storedAccessClaims(): Promise<{ exp: number; jti: string; username: string } | undefined> {
  return page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem("ewallet.dashboard.session") ?? "null") as { accessToken: string } | null;
    if (!session) return undefined;
    const part = session.accessToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")));
  });
}

/** Creates a transfer through the form as the signed-in sender; returns its id (the app opens its detail). */
async function submitTransfer(sender: string, receiver: string, amount: string): Promise<string> {
  const before = page.url();
  await page.getByTestId("open-new-transfer").click();
  const form = page.getByTestId("new-transfer");
  await form.waitFor();
  expect(await form.locator('input[name="senderUserId"]').inputValue()).toBe(sender);
  await form.locator('input[name="receiverUserId"]').fill(receiver);
  await form.locator('input[name="amount"]').fill(amount);
  await form.getByTestId("submit-transfer").click();
  // Either the API accepted it (the dialog closes) or it refused (the dialog shows why): wait for
  // whichever comes, and fail with the refusal's text instead of a bare timeout.
  const outcome = await Promise.race([
    form.waitFor({ state: "detached" }).then(() => "closed" as const),
    form.getByTestId("form-error").waitFor().then(() => "refused" as const),
  ]);
  if (outcome === "refused") throw new Error(`the form was refused: ${await form.getByTestId("form-error").textContent()}`);
  // The app navigates to the new transfer: a URL naming a different transfer than before.
  await page.waitForURL((url) => TRANSFER_URL.test(url.hash) && url.href !== before);
  return decodeURIComponent(TRANSFER_URL.exec(new URL(page.url()).hash)![1]!);
}

async function stepsOf(): Promise<string[]> {
  return page
    .getByTestId("timeline")
    .locator("li")
    .evaluateAll((items) => items.map((li) => `${li.getAttribute("data-step")}:${li.getAttribute("data-outcome")}`));
}

const title = hasChromium ? "operator dashboard in chromium" : `operator dashboard in chromium — SKIPPED: ${CHROMIUM} is missing`;

describe.skipIf(!hasChromium)(title, { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await mkdir(RESULTS, { recursive: true });
    // The demo users and the operator sign in with DEMO_PASSWORD.
    runtime = await startRuntime({ seed: DEMO_USERS, retryScale: 0.01, issuer: await createDevIssuer({ tokenTtlSeconds: TOKEN_TTL_SECONDS }) });
    dashboard = await startDashboard({ apiUrl: runtime.apiUrl, auth: runtime.auth });

    profileDir = await mkdtemp(join(tmpdir(), "dashboard-chromium-"));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1440, height: 900 },
      colorScheme: "dark",
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Waits are on states; this bounds how long a state may take on a busy 2-core machine.
    page.setDefaultTimeout(45_000);
    page.on("pageerror", (error) => pageErrors.push(String(error)));
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await dashboard?.stop();
    await runtime?.stop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it("serves a config without any token, and asks who you are", async () => {
    const config = (await (await fetch(`${dashboard!.url}/config.json`)).json()) as Record<string, unknown>;
    // Only where the API and the sign-in service are: no token for anyone to pick up.
    expect(config).toEqual({ apiUrl: runtime!.apiUrl, auth: { endpoint: runtime!.auth.url, clientId: runtime!.auth.clientId } });
    await signedOut();
    expect(await page.title()).toContain("E-wallet");
    expect(await page.getByTestId("transfers").count()).toBe(0);
    await shot("sign-in");
  });

  it("refuses a wrong password with Cognito's message and stays signed out", async () => {
    await signedOut();
    const form = page.getByTestId("sign-in");
    await form.locator('input[name="username"]').fill(DEMO_OPERATOR);
    await form.locator('input[name="password"]').fill("not-the-password");
    await form.getByTestId("sign-in-submit").click();
    const error = page.locator('[data-testid="sign-in-error"][data-code="NotAuthorizedException"]');
    await error.waitFor();
    expect(await error.textContent()).toBe("Incorrect username or password.");
    expect(await storedAccessClaims()).toBeUndefined();
  });

  it("signs an operator in with a password, and out again", async () => {
    await signIn(DEMO_OPERATOR);
    expect(await page.getByTestId("session").getAttribute("data-admin")).toBe("true");
    expect((await storedAccessClaims())?.username).toBe(DEMO_OPERATOR);
    // An operator's header carries the conservation verdict (operators only).
    await page.locator('[data-testid="conservation-pill"][data-ok="true"]').waitFor();
    await page.getByTestId("sign-out").click();
    await page.getByTestId("sign-in").waitFor();
    expect(await storedAccessClaims()).toBeUndefined();
    // Signed out stays signed out across a reload.
    await page.reload();
    await page.getByTestId("sign-in").waitFor();
  });

  it("refreshes the session before its access token expires, and keeps working past that expiry", async () => {
    await signIn(DEMO_OPERATOR);
    const first = (await storedAccessClaims())!;
    // The refresh (REFRESH_TOKEN_AUTH) replaces the stored access token while the first one is still valid.
    await page.waitForFunction((jti) => {
      const session = JSON.parse(localStorage.getItem("ewallet.dashboard.session") ?? "null") as { accessToken: string } | null;
      if (!session) return false;
      const part = session.accessToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
      return (JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "="))) as { jti: string }).jti !== jti;
    }, first.jti, { timeout: (TOKEN_TTL_SECONDS + 10) * 1000 });
    const refreshedAt = Math.floor(Date.now() / 1000);
    expect(refreshedAt).toBeLessThanOrEqual(first.exp);
    const second = (await storedAccessClaims())!;
    expect(second.username).toBe(DEMO_OPERATOR);
    expect(second.exp).toBeGreaterThan(first.exp);
    // Past the first token's expiry the app still reads the API, with the new token.
    await page.waitForFunction((exp) => Date.now() / 1000 > exp + 1, first.exp, { timeout: (TOKEN_TTL_SECONDS + 10) * 1000 });
    // A call answered 200 after that expiry, made with a refreshed token (its exp is later than the first's).
    await page.waitForResponse((r) => {
      if (!r.url().startsWith(runtime!.apiUrl) || r.status() !== 200 || Date.now() / 1000 <= first.exp) return false;
      const token = r.request().headers().authorization?.replace(/^Bearer /, "");
      const part = token?.split(".")[1];
      return part !== undefined && (JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { exp: number }).exp > first.exp;
    });
    expect(await page.locator('[data-testid="session"]').getAttribute("data-username")).toBe(DEMO_OPERATOR);
    expect(await page.getByTestId("sign-in").count()).toBe(0);
  });

  it("creates alice → bob 10.00 with the form and follows it to SUCCEEDED", async () => {
    await signIn("alice");
    const transferId = await submitTransfer("alice", "bob", "10.00");
    const row = page.locator(`tr[data-transfer-id="${transferId}"]`);
    await page.locator(`tr[data-transfer-id="${transferId}"][data-status="SUCCEEDED"]`).waitFor();
    expect(await row.textContent()).toContain("10.00");

    const detail = page.locator('[data-testid="transfer-detail"][data-status="SUCCEEDED"]');
    await detail.waitFor();
    await page.locator('[data-testid="timeline"] li[data-step="complete"]').waitFor();
    const steps = await stepsOf();
    expect(steps).toEqual(expect.arrayContaining(["debit:applied", "credit:applied", "complete:succeeded"]));
    expect(steps.indexOf("debit:applied")).toBeLessThan(steps.indexOf("credit:applied"));
    expect(steps.indexOf("credit:applied")).toBeLessThan(steps.indexOf("complete:succeeded"));
    const ledger = await detail.getByTestId("ledger").locator("tbody tr").evaluateAll((rows) =>
      rows.map((tr) => `${tr.querySelector("td")?.textContent} ${tr.getAttribute("data-kind")}`).sort(),
    );
    expect(ledger).toEqual(["alice DEBIT", "bob CREDIT"]);
    await shot("detail");
  });

  it("shows carol → dave 5000.00 FAILED with INSUFFICIENT_FUNDS", async () => {
    await signIn("carol");
    const transferId = await submitTransfer("carol", "dave", "5000.00");
    await page.locator(`tr[data-transfer-id="${transferId}"][data-status="FAILED"]`).waitFor();
    const detail = page.locator('[data-testid="transfer-detail"][data-status="FAILED"]');
    await detail.waitFor();
    expect(await detail.getByTestId("failure-reason").textContent()).toBe("INSUFFICIENT_FUNDS");
    const steps = await stepsOf();
    expect(steps).toContain("debit:error");
    expect(steps.some((s) => s.startsWith("refund"))).toBe(false);
    expect(await detail.locator(".tl-error").first().textContent()).toContain("INSUFFICIENT_FUNDS");
    await shot("failed-detail");
  });

  it("shows the API's field errors next to the fields", async () => {
    await signIn("alice");
    await page.getByTestId("open-new-transfer").click();
    const form = page.getByTestId("new-transfer");
    expect(await form.locator('input[name="senderUserId"]').inputValue()).toBe("alice");
    await form.locator('input[name="receiverUserId"]').fill("alice");
    await form.locator('input[name="amount"]').fill("12.345");
    await form.getByTestId("submit-transfer").click();
    await form.getByTestId("form-error").waitFor();
    expect(await form.getByTestId("form-error").textContent()).toContain("INVALID_TRANSFER_REQUEST");
    expect(await form.getByTestId("error-amount").textContent()).toMatch(/decimal/);
    expect(await form.getByTestId("error-receiverUserId").textContent()).toMatch(/differ/);
    await shot("form-error");
    await form.getByRole("button", { name: "Cancel" }).click();
    await form.waitFor({ state: "detached" });
  });

  it("lists live traffic, with compensations in the timeline", async () => {
    await signIn(DEMO_OPERATOR);
    const api = apiClient(runtime!.apiUrl, runtime!.token);
    const pairs: [string, string, string][] = [
      ["bob", "carol", "42.50"],
      ["dave", "alice", "7.25"],
      ["alice", "carol", "120.00"],
      ["carol", "bob", "3.10"],
      ["bob", "dave", "2500.00"],
      ["dave", "nobody", "25.50"],
      ["alice", "dave", "18.00"],
      ["carol", "alice", "64.00"],
    ];
    const created = await Promise.all(pairs.map(([senderUserId, receiverUserId, amount]) => api.createTransfer({ senderUserId, receiverUserId, amount })));
    for (const response of created) expect(response.status).toBe(201);
    await runtime!.quiesce();
    const refunded = created[5]!.body.transferId as string;

    await page.locator(`tr[data-transfer-id="${refunded}"][data-status="FAILED"]`).waitFor();
    await page.locator(`tr[data-transfer-id="${refunded}"]`).click();
    await page.locator('[data-testid="transfer-detail"][data-status="FAILED"] [data-testid="timeline"] li[data-step="refund"]').waitFor();
    expect(await stepsOf()).toEqual(expect.arrayContaining(["debit:applied", "credit:error", "refund:applied", "fail:failed"]));
    expect(await page.getByTestId("failure-reason").textContent()).toBe("ACCOUNT_NOT_FOUND");
    await shot("compensated-detail");

    // The list by itself, filtered views, and the chart's outcome counts.
    await page.getByRole("button", { name: "Close" }).click();
    await page.locator('[data-testid="transfer-detail"]').waitFor({ state: "detached" });
    await page.locator('tr[data-status="PENDING"], tr[data-status="PROCESSING"]').first().waitFor({ state: "detached" });
    // Other tests may have added their own transfers: each of these is listed with its outcome.
    const outcomes = ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "FAILED", "SUCCEEDED", "SUCCEEDED"];
    for (const [i, response] of created.entries()) await page.locator(`tr[data-transfer-id="${response.body.transferId}"][data-status="${outcomes[i]}"]`).waitFor();
    const all = await page.locator("tbody tr[data-transfer-id]").count();
    expect(Number(await page.getByTestId("count-succeeded").locator("b").textContent())).toBeGreaterThanOrEqual(6);
    expect(Number(await page.getByTestId("count-failed").locator("b").textContent())).toBeGreaterThanOrEqual(2);
    await shot("list");

    await page.getByRole("radio", { name: "Failed" }).click();
    await page.waitForFunction((ids) => {
      const rows = [...document.querySelectorAll("tbody tr[data-transfer-id]")];
      return rows.every((r) => r.getAttribute("data-status") === "FAILED") && ids.every((id) => rows.some((r) => r.getAttribute("data-transfer-id") === id));
    }, [created[4]!.body.transferId, created[5]!.body.transferId]);
    await page.getByRole("radio", { name: "All" }).click();
    await page.getByLabel("Filter by user").fill("nobody");
    await page.waitForFunction(() => document.querySelectorAll("tbody tr[data-transfer-id]").length === 1);
    await page.getByLabel("Clear user filter").click();
    await page.waitForFunction((count) => document.querySelectorAll("tbody tr[data-transfer-id]").length >= count, all);
  });

  it("shows the accounts with a green conservation badge and an account's ledger", async () => {
    await signIn(DEMO_OPERATOR);
    await page.getByRole("link", { name: "Accounts", exact: true }).click();
    const badge = page.getByTestId("conservation-badge");
    await badge.waitFor();
    await page.locator('[data-testid="conservation-badge"][data-ok="true"]').waitFor();
    expect(await badge.textContent()).toContain("Money conserved");
    expect(await page.getByTestId("drift").textContent()).toBe("0.00");
    for (const user of DEMO_USERS) await page.locator(`tr[data-user-id="${user}"]`).waitFor();

    await page.locator('tr[data-user-id="alice"]').click();
    const account = page.getByTestId("account-detail");
    await account.locator('[data-testid="ledger"] tr[data-kind="DEPOSIT"]').waitFor();
    await shot("accounts");
  });

  it("raised no uncaught errors in the page", async () => {
    expect(pageErrors).toEqual([]);
    // The richest single picture: the live list next to a compensated transfer's timeline.
    // The README's picture changes only on purpose: UPDATE_README_SCREENSHOT=1 pnpm test packages/web.
    if (process.env.UPDATE_README_SCREENSHOT === "1") await copyFile(join(RESULTS, "compensated-detail.png"), README_SHOT);
  });
});
