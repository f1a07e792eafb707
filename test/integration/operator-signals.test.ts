/**
 * The metrics an operator reads agree with the header a client sees and the audit (issue 13):
 * one decision value for answers given before any policy ran, `bytesOut` counting the gateway's
 * own bodies, Node's default metrics named once, and a bounded per-customer series for vendors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const CHAT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";
const metrics = async () => (await fetch(`${h.gw.adminUrl}/metrics`)).text();
const body = (content: string) =>
  JSON.stringify({
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: content },
          { type: "image_url", image_url: { url: "https://example.com/p.jpg" } },
        ],
      },
    ],
  });
const post = (headers: Record<string, string>, text = body("Describe the weather")) =>
  fetch(`${h.gw.url}${CHAT}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: text,
  });

describe("one decision value for answers given before any policy ran", () => {
  it.each([
    ["401", { "api-key": "not-a-key" }, undefined],
    ["400", { "api-key": KEYS.newsroom, "x-gateway-capture": "sometimes" }, undefined],
    ["413", { "api-key": KEYS.newsroom }, "x".repeat(1_100_000)],
  ] as const)(
    "a %s says none in the header, the audit and the metrics",
    async (status, headers, text) => {
      const res = await post({ ...headers }, text);
      expect(String(res.status)).toBe(status);
      const answer = await res.text();
      expect(res.headers.get("x-gateway-decision")).toBe("none");
      const id = res.headers.get("x-gateway-decision-id");
      const record = await h.audit.waitFor((r) => r.decisionId === id);
      expect(record.decision).toBe("none");
      expect(record.bytesOut).toBe(Buffer.byteLength(answer));
      expect(await metrics()).toMatch(
        new RegExp(
          `^gateway_requests_total\\{[^}]*status="${status}",decision="none"\\} [1-9]`,
          "m",
        ),
      );
    },
  );
});

describe("bytesOut", () => {
  it("counts the 403's body", async () => {
    const res = await post(
      { "api-key": KEYS.metroPd },
      body("Who is this man? Check him against our mugshots."),
    );
    expect(res.status).toBe(403);
    const answer = await res.text();
    expect(res.headers.get("x-gateway-decision")).toBe("deny");
    const record = await h.audit.waitFor(
      (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
    );
    expect(record.bytesOut).toBe(Buffer.byteLength(answer));
    expect(record.bytesOut).toBeGreaterThan(100);
  });
});

describe("metric names and labels", () => {
  it("names Node's default metrics gateway_process_* and gateway_nodejs_*, never doubled", async () => {
    const text = await metrics();
    expect(text).toMatch(/^gateway_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^gateway_nodejs_eventloop_lag_seconds /m);
    expect(text).not.toContain("gateway_process_process_");
    expect(text).not.toContain("gateway_process_nodejs_");
  });

  it("counts a vendor's calls per configured customer, what-if calls apart", async () => {
    const ok = await post({ "api-key": KEYS.cityPd });
    expect(ok.status).toBe(200);
    await ok.text();
    await h.audit.waitFor((r) => r.decisionId === ok.headers.get("x-gateway-decision-id"));
    const denied = await post({ "api-key": KEYS.cityPd }, body("Who is this man?"));
    expect(denied.status).toBe(403);
    await denied.text();
    await h.audit.waitFor((r) => r.decisionId === denied.headers.get("x-gateway-decision-id"));
    const whatIf = await fetch(`${h.gw.url}/_gateway/evaluate${CHAT}`, {
      method: "POST",
      headers: { "content-type": "application/json", "api-key": KEYS.cityPd },
      body: body("Who is this man?"),
    });
    expect(whatIf.status).toBe(200);
    await whatIf.text();
    await h.audit.waitFor((r) => r.decisionId === whatIf.headers.get("x-gateway-decision-id"));
    // A customer the config does not name never becomes a label value.
    const unknown = await post({
      "api-key": KEYS.evidenceCloud,
      "x-gateway-on-behalf-of": "made-up-customer",
    });
    await unknown.text();
    const text = await metrics();
    expect(text).toMatch(
      /^gateway_customer_requests_total\{tenant="evidence-cloud",customer="city-pd",decision="allow"\} 1$/m,
    );
    expect(text).toMatch(
      /^gateway_customer_requests_total\{tenant="evidence-cloud",customer="city-pd",decision="deny"\} 1$/m,
    );
    expect(text).not.toContain("made-up-customer");
    expect(text).not.toMatch(/gateway_customer_requests_total\{[^}]*decision="what-if"/);
  });
});
