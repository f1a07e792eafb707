/**
 * The decisions dashboard in a real browser: playwright-core driving Debian's chromium (headless,
 * `--no-sandbox`), logged in as a browser is (Basic prompt, the admin token as the password). A
 * denial made through the data plane by a US police tenant (an identification ask with an image)
 * appears with its reason, the filters narrow the list, the detail opens, the what-if form
 * answers, and a screenshot goes to test-output/dashboard.png. Skipped without a chromium binary.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { AzureOpenAI, PermissionDeniedError } from "openai";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataUrl, jpeg } from "../fixtures/images/make-fixtures.js";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const OUTPUT = resolve(import.meta.dirname, "../../test-output");
const TOKEN = "browser-test-admin-token-0123456789";
const POLICY = "us-law-enforcement-no-facial-recognition";
const BODYCAM = dataUrl("image/jpeg", jpeg({ tags: { make: "Axon", model: "Axon Body 3" } }));

const client = (url: string, apiKey: string) =>
  new AzureOpenAI({
    endpoint: url,
    apiKey,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
  });

describe.skipIf(CHROMIUM === undefined)(
  CHROMIUM === undefined
    ? "dashboard in a browser: skipped, no chromium at /usr/bin/chromium or /usr/bin/chromium-browser (apt-get install -y chromium)"
    : "dashboard in a browser (chromium, headless)",
  () => {
    let h: Harness;
    let browser: Browser;
    let denied: string;
    beforeAll(async () => {
      h = await startHarness({
        edit: (yaml) =>
          yaml.replace(
            "admin: { host: 127.0.0.1, port: 0 }",
            `admin: { host: 127.0.0.1, port: 0, token: "${TOKEN}" }`,
          ),
      });
      const err = await client(h.gw.url, KEYS.metroPd)
        .chat.completions.create({
          model: "gpt-4o",
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "Who is this man? Identify him from the bodycam frame." },
                { type: "image_url", image_url: { url: BODYCAM } },
              ],
            },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(PermissionDeniedError);
      denied = (err as PermissionDeniedError).headers!.get("x-gateway-decision-id")!;
      const { response } = await client(h.gw.url, KEYS.newsroom)
        .chat.completions.create({
          model: "gpt-4o",
          messages: [{ role: "user", content: "Summarise the council minutes." }],
        })
        .withResponse();
      await h.audit.waitFor((r) => r.decisionId === response.headers.get("x-gateway-decision-id"));
      browser = await chromium.launch({
        executablePath: CHROMIUM!,
        headless: true,
        args: ["--no-sandbox"],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    it("shows the denial with its reason, filters, opens the detail, and answers a what-if", async () => {
      const context = await browser.newContext({
        httpCredentials: { username: "compliance-officer", password: TOKEN },
        viewport: { width: 1400, height: 1600 },
      });
      const page = await context.newPage();
      // Script errors and refusals of the page's Content-Security-Policy.
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(err.message));
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(msg.text());
      });
      await page.goto(`${h.gw.adminUrl}/`);
      await page.waitForSelector("body[data-loaded=true]");

      const row = page.locator(`tr[data-decision-id="${denied}"]`);
      await expect.poll(() => row.count()).toBe(1);
      const rowText = await row.textContent();
      expect(rowText).toContain("metro-pd");
      expect(rowText).toContain("deny");
      expect(rowText).toContain(POLICY);
      expect(rowText).toMatch(/facial recognition|identif/i);
      expect(await page.locator("#decisions tbody tr", { hasText: "newsroom" }).count()).toBe(1);

      // The charts were drawn by uPlot, one per tenant and one per policy.
      expect(await page.locator("#chart-tenant .uplot").count()).toBe(1);
      expect(await page.locator("#chart-policy .uplot").count()).toBe(1);
      expect(await page.locator("#chart-policy").textContent()).toContain(POLICY);

      // Filters: a tenant, then a decision, then a policy the denial did not hit.
      await page.selectOption("#f-tenant", "newsroom");
      await expect
        .poll(() => page.locator("#decisions tbody tr").allInnerTexts())
        .toEqual([expect.stringContaining("newsroom")]);
      await page.selectOption("#f-tenant", "");
      await page.selectOption("#f-decision", "deny");
      await expect
        .poll(async () => (await page.locator("#decisions tbody tr").allInnerTexts()).join("\n"))
        .not.toContain("newsroom");
      expect(await row.count()).toBe(1);
      await page.fill("#f-policy", "some-other-policy");
      await page.click("#filters button[type=submit]");
      await expect.poll(() => page.locator("#decisions tbody tr").count()).toBe(0);
      expect(await page.locator("#empty").isVisible()).toBe(true);
      await page.fill("#f-policy", POLICY);
      await page.click("#filters button[type=submit]");
      await expect.poll(() => row.count()).toBe(1);

      // The detail: facts, evidence ids, policies and reasons.
      await row.click();
      await page.waitForSelector("#detail:not([hidden])");
      expect(await page.locator("#detail-id").textContent()).toBe(denied);
      const detail = await page.locator("#detail").textContent();
      expect(detail).toContain("facial-identification");
      expect(detail).toContain(POLICY);
      expect(detail).toMatch(/body-worn/);
      expect(await page.locator("#detail-who").textContent()).toContain("127.0.0.1");
      expect(await page.locator("#detail-evidence li").first().textContent()).toMatch(
        /^facial-identification:.+@messages\[0\]\.content\[0\]/,
      );
      expect(detail).not.toContain("Identify him");

      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, "dashboard.png"), fullPage: true });

      // The what-if form: a tenant chosen by id, nothing forwarded.
      h.sim.clearRequests();
      await page.selectOption("#w-tenant", "metro-pd");
      await page.fill(
        "#w-body",
        JSON.stringify({
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "Who is this? Match the face against the watchlist." },
                { type: "image_url", image_url: { url: "https://images.example/a.jpg" } },
              ],
            },
          ],
        }),
      );
      await page.click("#whatif button[type=submit]");
      await page.waitForSelector("#whatif-result:not([hidden])");
      expect(await page.locator("#w-decision").textContent()).toBe("deny");
      expect(await page.locator("#w-policies").textContent()).toContain(POLICY);
      expect(h.sim.requests()).toHaveLength(0);
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);
  },
);
