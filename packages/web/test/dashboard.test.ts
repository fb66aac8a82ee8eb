/**
 * The operator dashboard in a real browser against the whole offline system: the runtime
 * (API → DynamoDB → stream → pipe → saga → Postgres), the built dashboard served by
 * packages/local, and Debian's chromium driven by playwright-core. Screenshots of each
 * view land in packages/web/test-results/ (one is copied to docs/dashboard.png).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { DEMO_USERS, startRuntime, type Runtime } from "../../local/src/stack.ts";
import { startDashboard, type Dashboard } from "../../local/src/web.ts";
import { apiClient } from "../../local/test/api-client.ts";

const CHROMIUM = "/usr/bin/chromium";
const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = resolve(HERE, "../test-results");
const README_SHOT = resolve(HERE, "../../../docs/dashboard.png");
const hasChromium = existsSync(CHROMIUM);

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

/** Creates a transfer through the form; returns its id (the app opens its detail). */
async function submitTransfer(sender: string, receiver: string, amount: string): Promise<string> {
  const before = page.url();
  await page.getByTestId("open-new-transfer").click();
  const form = page.getByTestId("new-transfer");
  await form.waitFor();
  await form.locator('input[name="senderUserId"]').fill(sender);
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
    runtime = await startRuntime({ seed: DEMO_USERS, retryScale: 0.01 });
    // Reads as an operator (admin group); the form sends as the sender (only owners may send).
    const adminToken = await runtime.token("operator", { admin: true });
    const userTokens = Object.fromEntries(await Promise.all(DEMO_USERS.map(async (user) => [user, await runtime!.token(user)] as const)));
    dashboard = await startDashboard({ apiUrl: runtime.apiUrl, adminToken, userTokens });

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
    await page.goto(dashboard.url);
    await page.getByTestId("transfers").waitFor();
  });

  // Every test starts from the same place: the transfers list, no dialog, no overlay, no panel.
  beforeEach(async () => {
    const dialog = page.getByTestId("new-transfer");
    if (await dialog.count()) {
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
    }
    await page.evaluate(() => (window.location.hash = "#/transfers"));
    await page.locator(".overlay").waitFor({ state: "detached" });
    await page.getByTestId("transfer-detail").waitFor({ state: "detached" });
    await page.getByTestId("transfers").waitFor();
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await dashboard?.stop();
    await runtime?.stop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it("serves the app and its config", async () => {
    const config = (await (await fetch(`${dashboard!.url}/config.json`)).json()) as { apiUrl: string; adminToken?: string; userTokens?: Record<string, string> };
    expect(config.apiUrl).toBe(runtime!.apiUrl);
    expect(typeof config.adminToken).toBe("string");
    expect(Object.keys(config.userTokens ?? {}).sort()).toEqual([...DEMO_USERS].sort());
    expect(await page.title()).toContain("E-wallet");
  });

  it("creates alice → bob 10.00 with the form and follows it to SUCCEEDED", async () => {
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
    await page.getByTestId("open-new-transfer").click();
    const form = page.getByTestId("new-transfer");
    await form.locator('input[name="senderUserId"]').fill("alice");
    await form.locator('input[name="receiverUserId"]').fill("alice");
    await form.locator('input[name="amount"]').fill("12.345");
    await form.getByTestId("submit-transfer").click();
    await form.getByTestId("form-error").waitFor();
    expect(await form.getByTestId("form-error").textContent()).toContain("VALIDATION_FAILED");
    expect(await form.getByTestId("error-amount").textContent()).toMatch(/decimal/);
    expect(await form.getByTestId("error-receiverUserId").textContent()).toMatch(/differ/);
    await shot("form-error");
    await form.getByRole("button", { name: "Cancel" }).click();
    await form.waitFor({ state: "detached" });
  });

  it("lists live traffic, with compensations in the timeline", async () => {
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
    expect(await page.locator("tbody tr[data-transfer-id]").count()).toBe(10);
    expect(await page.getByTestId("count-succeeded").locator("b").textContent()).toBe("7");
    expect(await page.getByTestId("count-failed").locator("b").textContent()).toBe("3");
    await shot("list");

    await page.getByRole("radio", { name: "Failed" }).click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("tbody tr[data-transfer-id]")];
      return rows.length === 3 && rows.every((r) => r.getAttribute("data-status") === "FAILED");
    });
    await page.getByRole("radio", { name: "All" }).click();
    await page.getByLabel("Filter by user").fill("nobody");
    await page.waitForFunction(() => document.querySelectorAll("tbody tr[data-transfer-id]").length === 1);
    await page.getByLabel("Clear user filter").click();
    await page.waitForFunction(() => document.querySelectorAll("tbody tr[data-transfer-id]").length === 10);
  });

  it("shows the accounts with a green conservation badge and an account's ledger", async () => {
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
    expect(await account.locator('[data-testid="ledger"] tr[data-kind="DEBIT"]').count()).toBeGreaterThan(0);
    await shot("accounts");
  });

  it("raised no uncaught errors in the page", async () => {
    expect(pageErrors).toEqual([]);
    // The richest single picture: the live list next to a compensated transfer's timeline.
    // The README's picture changes only on purpose: UPDATE_README_SCREENSHOT=1 pnpm test packages/web.
    if (process.env.UPDATE_README_SCREENSHOT === "1") await copyFile(join(RESULTS, "compensated-detail.png"), README_SHOT);
  });
});
