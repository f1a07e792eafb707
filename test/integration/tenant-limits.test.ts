/**
 * Per-tenant limits over real HTTP: the concurrency cap (tenant and customer), its slot freed on
 * every end (answered, denied, refused, abandoned), the what-if budget, and metrics that neither
 * count what-if denials as denials nor let clients mint label values.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    limits: "{ maxBodyBytes: 1048576, upstreamTimeoutMs: 30000, connectTimeoutMs: 1000 }",
    edit: (yaml) => {
      const edited = yaml
        .replace(
          "    userSecurityContext: true",
          "    userSecurityContext: true\n    limits: { maxConcurrentRequests: 2, whatIfPerMinute: 3 }",
        )
        .replace(
          "{ id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA,",
          "{ id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, limits: { maxConcurrentRequests: 1 },",
        );
      // A setup edit that no longer matches the harness would make these tests pass for nothing.
      if (!edited.includes("maxConcurrentRequests: 1")) throw new Error("harness edit missed");
      return edited;
    },
  });
});
afterAll(async () => {
  await h.close();
});

const CHAT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";
const chatBody = JSON.stringify({ messages: [{ role: "user", content: "hi" }] });

function chat(key: string, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${h.gw.url}${CHAT}`, {
    method: "POST",
    headers: { "api-key": key, "content-type": "application/json", ...headers },
    body: chatBody,
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Resolves once `cond` holds (polled: the simulator and the metrics emit no event). */
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const metricsText = async () => (await fetch(`${h.gw.adminUrl}/metrics`)).text();

/** `gateway_tenant_inflight_requests` per tenant. */
async function inflight(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await metricsText()).matchAll(
    /^gateway_tenant_inflight_requests\{tenant="([^"]+)"\} (\d+)$/gm,
  )) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

describe("tenants[].limits.maxConcurrentRequests", () => {
  it("answers the request over the cap 429, audited, and lets one through once the others finish", async () => {
    h.sim.clearRequests();
    const held = [1, 2].map(() => chat(KEYS.newsroom, { "x-simulator-delay-ms": "1500" }));
    await until(() => h.sim.requests().length === 2, "two requests at the simulator");
    expect((await inflight())["newsroom"]).toBe(2);

    const refused = await chat(KEYS.newsroom);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("x-ratelimit-limit-concurrent-requests")).toBe("2");
    expect(refused.headers.get("x-ratelimit-remaining-concurrent-requests")).toBe("0");
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("RateLimited");
    expect(body.error.message).toContain("newsroom");
    const decisionId = refused.headers.get("x-gateway-decision-id");
    const record = await h.audit.waitFor((r) => r.decisionId === decisionId);
    expect(record).toMatchObject({ tenant: "newsroom", status: 429, error: "RateLimited" });
    expect(h.sim.requests()).toHaveLength(2); // the refused one reached nobody

    // Another tenant is not affected.
    expect((await chat(KEYS.doorAccess)).status).toBe(200);

    const done = await Promise.all(held);
    const ids = done.map((r) => r.headers.get("x-gateway-decision-id"));
    await Promise.all(done.map((r) => r.arrayBuffer()));
    expect(done.map((r) => r.status)).toEqual([200, 200]);
    // Their audit records are written after their slots are freed.
    await Promise.all(ids.map((id) => h.audit.waitFor((r) => r.decisionId === id)));
    expect((await inflight())["newsroom"]).toBe(0);
    const again = await chat(KEYS.newsroom);
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  });

  it("caps the calls made on a customer's behalf, not the vendor's own", async () => {
    h.sim.clearRequests();
    const forCity = { "x-gateway-on-behalf-of": "city-pd" };
    const held = chat(KEYS.evidenceCloud, { ...forCity, "x-simulator-delay-ms": "1500" });
    await until(() => h.sim.requests().length === 1, "the held request at the simulator");
    const refused = await chat(KEYS.evidenceCloud, forCity);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-ratelimit-limit-concurrent-requests")).toBe("1");
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      "city-pd",
    );
    const own = await chat(KEYS.evidenceCloud);
    expect(own.status).toBe(200);
    await own.arrayBuffer();
    const first = await held;
    await first.arrayBuffer();
    expect(first.status).toBe(200);
  });

  it("frees the slot of a client that leaves, of a refused and of a denied call", async () => {
    h.sim.clearRequests();
    const before = h.audit.records.length;
    const abort = new AbortController();
    const leaving = chat(KEYS.newsroom, { "x-simulator-delay-ms": "20000" }, abort.signal);
    await until(() => h.sim.requests().length === 1, "the held request at the simulator");
    abort.abort();
    await expect(leaving).rejects.toThrow();
    await h.audit.waitFor((r) => r.tenant === "newsroom" && r.clientAborted === true);
    expect(h.audit.records.slice(before).filter((r) => r.clientAborted)).toHaveLength(1);

    const invalid = await chat(KEYS.newsroom, { "x-gateway-capture": "sometimes" });
    expect(invalid.status).toBe(400);
    const denied = await fetch(`${h.gw.url}${CHAT}`, {
      method: "POST",
      headers: {
        "api-key": KEYS.metroPd,
        "content-type": "application/json",
        "x-gateway-purpose": "facial-identification",
      },
      body: JSON.stringify({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Who is this person?" },
              { type: "image_url", image_url: { url: "https://example.com/suspect.jpg" } },
            ],
          },
        ],
      }),
    });
    expect(denied.status).toBe(403);
    for (const res of [invalid, denied]) {
      const id = res.headers.get("x-gateway-decision-id");
      await res.arrayBuffer();
      await h.audit.waitFor((r) => r.decisionId === id);
    }
    const counts = await inflight();
    expect(counts["newsroom"]).toBe(0);
    expect(counts["metro-pd"]).toBe(0);
    // Nothing leaked anywhere: every tenant that had a request is back to zero.
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });
});

describe("what-if budget and metrics", () => {
  const whatIf = (key: string, headers: Record<string, string> = {}, body = chatBody) =>
    fetch(`${h.gw.url}/_gateway/evaluate${CHAT}`, {
      method: "POST",
      headers: { "api-key": key, "content-type": "application/json", ...headers },
      body,
    });

  it("refuses a tenant's what-if calls over its per-minute budget with 429, audited as what-if", async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await whatIf(KEYS.newsroom);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    }
    const spent = await whatIf(KEYS.newsroom);
    expect(spent.status).toBe(429);
    const retryAfter = Number(spent.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(spent.headers.get("x-ratelimit-limit-what-if-requests")).toBe("3");
    expect(spent.headers.get("x-ratelimit-remaining-what-if-requests")).toBe("0");
    expect(((await spent.json()) as { error: { code: string } }).error.code).toBe("RateLimited");
    const record = await h.audit.waitFor(
      (r) => r.decisionId === spent.headers.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({ whatIf: true, status: 429, error: "RateLimited" });
    // Real calls are not what-if calls: still served.
    const real = await chat(KEYS.newsroom);
    expect(real.status).toBe(200);
    await real.arrayBuffer();
    // Another tenant has its own budget (the default, 60 per minute).
    expect((await whatIf(KEYS.doorAccess)).status).toBe(200);
  });

  it("never counts a what-if denial as a denial", async () => {
    const deniedBody = JSON.stringify({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Who is this person?" },
            { type: "image_url", image_url: { url: "https://example.com/suspect.jpg" } },
          ],
        },
      ],
    });
    const realDenials = (text: string) =>
      [
        ...text.matchAll(
          /^gateway_policy_decisions_total\{tenant="met-police",decision="deny"[^}]*\} (\d+)$/gm,
        ),
      ].reduce((n, m) => n + Number(m[1]), 0);
    const before = await metricsText();
    const res = await whatIf(
      KEYS.metPolice,
      { "x-gateway-purpose": "facial-identification" },
      deniedBody,
    );
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { decision: string; decisionId: string };
    expect(answer.decision).toBe("deny");
    await h.audit.waitFor((r) => r.decisionId === answer.decisionId);
    const after = await metricsText();
    expect(realDenials(after)).toBe(realDenials(before));
    expect(after).toMatch(
      /^gateway_what_if_decisions_total\{tenant="met-police",decision="deny"\} 1$/m,
    );
    expect(after).toMatch(
      /^gateway_requests_total\{tenant="met-police",operation="chat.completions",status="200",decision="what-if"\} 1$/m,
    );
    expect(after).not.toMatch(/gateway_requests_total\{tenant="met-police",[^}]*decision="deny"/);
  });
});

describe("bounded metric labels", () => {
  it("lets 100 made-up deployment names make at most the learned set plus `other`", async () => {
    for (let i = 0; i < 100; i++) {
      const name = `made-up-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const res = await fetch(
        `${h.gw.url}/openai/deployments/${name}/chat/completions?api-version=2024-10-21`,
        {
          method: "POST",
          headers: { "api-key": KEYS.doorAccess, "content-type": "application/json" },
          body: chatBody,
        },
      );
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await until(
      () => h.audit.records.filter((r) => r.deployment?.startsWith("made-up-")).length === 100,
      "100 audit records",
    );
    const labels = new Set(
      [
        ...(await metricsText()).matchAll(
          /^gateway_tokens_total\{tenant="door-access-co",deployment="([^"]+)"/gm,
        ),
      ].map((m) => m[1]),
    );
    expect(labels.has("other")).toBe(true);
    expect(labels.size).toBeLessThanOrEqual(20 + 1 + 1); // learned + other + gpt-4o (earlier test)
  });

  it("gives requests without a known tenant the tenant label `-`, whatever key they send", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await chat(`wrong-key-${i}`);
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    const tenants = new Set(
      [...(await metricsText()).matchAll(/^gateway_requests_total\{tenant="([^"]+)"/gm)].map(
        (m) => m[1]!,
      ),
    );
    expect([...tenants].every((t) => t === "-" || t in KEY_TENANTS)).toBe(true);
    expect(tenants.has("-")).toBe(true);
  });
});

const KEY_TENANTS = {
  "metro-pd": 1,
  "met-police": 1,
  "door-access-co": 1,
  "evidence-cloud": 1,
  newsroom: 1,
};
