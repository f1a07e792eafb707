/**
 * The dashboard's API on the admin port, over real HTTP: a denial made through the data plane (with
 * the openai SDK) is listed with its reason, filtered, detailed and charted; the what-if decides
 * without forwarding or auditing; `admin.token` guards all but the probes; and the index is
 * rebuilt from the audit file after a restart.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AzureOpenAI, PermissionDeniedError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecisionEntry } from "../../src/admin/decisions/entry.js";
import { startGateway } from "../../src/runtime/gateway.js";
import { type Harness, KEYS, startHarness, testConfigYaml } from "../helpers/harness.js";

const TOKEN = "dashboard-test-token-0123456789";
const POLICY = "us-law-enforcement-no-facial-recognition";
const PROMPT = "Who is this man? Check him against our mugshots.";
const withToken = (yaml: string) =>
  yaml.replace(
    "admin: { host: 127.0.0.1, port: 0 }",
    `admin: { host: 127.0.0.1, port: 0, token: "${TOKEN}" }`,
  );
const auth = { authorization: `Bearer ${TOKEN}` };

const askWho = (url: string, apiKey: string) =>
  new AzureOpenAI({
    endpoint: url,
    apiKey,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
  }).chat.completions
    .create({
      model: "gpt-4o",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: PROMPT },
            { type: "image_url", image_url: { url: "https://images.example/frame-0412.jpg" } },
          ],
        },
      ],
    })
    .then(
      () => {
        throw new Error("expected a denial");
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(PermissionDeniedError);
        return (err as PermissionDeniedError).headers!.get("x-gateway-decision-id")!;
      },
    );

async function getJson<T>(url: string, headers: Record<string, string> = auth) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

describe("dashboard API", () => {
  let h: Harness;
  let denied: string;
  let allowed: string;
  beforeAll(async () => {
    h = await startHarness({ edit: withToken });
    denied = await askWho(h.gw.url, KEYS.metroPd);
    const ok = await new AzureOpenAI({
      endpoint: h.gw.url,
      apiKey: KEYS.newsroom,
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
      maxRetries: 0,
    }).chat.completions
      .create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Summarise today's council meeting." }],
      })
      .withResponse();
    allowed = ok.response.headers.get("x-gateway-decision-id")!;
    await h.audit.waitFor((r) => r.decisionId === allowed);
  });
  afterAll(async () => {
    await h.close();
  });

  it("guards the dashboard, its API and /metrics with the token, never the probes", async () => {
    for (const path of ["/", "/api/decisions", "/metrics", "/dashboard.js"]) {
      const res = await fetch(`${h.gw.adminUrl}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate"), path).toMatch(/realm="policy-gateway admin"/);
      expect(await res.text()).toContain("GatewayAuthenticationFailed");
      const wrong = await fetch(`${h.gw.adminUrl}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}-not` },
      });
      expect(wrong.status, path).toBe(401);
      const right = await fetch(`${h.gw.adminUrl}${path}`, { headers: auth });
      expect(right.status, path).toBe(200);
    }
    for (const path of ["/healthz", "/readyz"]) {
      expect((await fetch(`${h.gw.adminUrl}${path}`)).status, path).toBe(200);
    }
  });

  it("lists the denial with its reason, and filters by tenant, decision, policy and time", async () => {
    const list = async (query: string) =>
      (await getJson<{ decisions: DecisionEntry[] }>(`${h.gw.adminUrl}/api/decisions?${query}`))
        .body.decisions;
    const all = await list("");
    const denial = all.find((d) => d.decisionId === denied)!;
    expect(denial).toMatchObject({
      tenant: "metro-pd",
      decision: "deny",
      status: 403,
      operation: "chat.completions",
      deployment: "gpt-4o",
      policies: [{ id: POLICY }],
    });
    expect(denial.policies[0]!.reason).toMatch(/.{20,}/);
    expect(JSON.stringify(all)).not.toContain("mugshots");
    expect((await list("tenant=metro-pd")).map((d) => d.decisionId)).toContain(denied);
    expect((await list("tenant=newsroom")).map((d) => d.decisionId)).toEqual([allowed]);
    expect((await list("decision=deny")).every((d) => d.decision === "deny")).toBe(true);
    expect((await list("decision=allow")).map((d) => d.decisionId)).toContain(allowed);
    expect((await list(`policy=${POLICY}`)).map((d) => d.decisionId)).toEqual([denied]);
    expect(await list(`since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect(await list("until=2020-01-01T00:00:00Z")).toEqual([]);
    const bad = await getJson<{ error: { code: string } }>(
      `${h.gw.adminUrl}/api/decisions?since=soon`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("InvalidRequest");
  });

  it("details a decision: facts, evidence ids, policies and reasons", async () => {
    const { status, body } = await getJson<DecisionEntry>(
      `${h.gw.adminUrl}/api/decisions/${denied}`,
    );
    expect(status).toBe(200);
    expect(body.facts.purposes).toContain("facial-identification");
    expect(body.facts.images).toBe(1);
    expect(body.evidence[0]).toMatch(/^facial-identification:.+@messages\[0\]\.content\[0\]/);
    // Who asked: the key's id (never the key), the client and Azure's request id when it sent one.
    expect(body.who.keyId).toMatch(/^[0-9a-f]{12}$|^[A-Za-z0-9._-]+$/);
    expect(body.who.clientAddress).toBe("127.0.0.1");
    expect(body.who.userAgent).toMatch(/\S/);
    const missing = await getJson<{ error: { code: string } }>(
      `${h.gw.adminUrl}/api/decisions/no-such-decision`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NotFound");
  });

  it("charts denials per tenant and per policy", async () => {
    type Series = { buckets: number[]; series: { key: string; total: number }[] };
    const byTenant = await getJson<Series>(`${h.gw.adminUrl}/api/denials?by=tenant&bucket=minute`);
    expect(byTenant.body.series).toContainEqual(
      expect.objectContaining({ key: "metro-pd", total: 1 }),
    );
    expect(byTenant.body.series.map((s) => s.key)).not.toContain("newsroom");
    const byPolicy = await getJson<Series>(`${h.gw.adminUrl}/api/denials?by=policy&bucket=hour`);
    expect(byPolicy.body.series).toContainEqual(expect.objectContaining({ key: POLICY, total: 1 }));
    expect(
      (await fetch(`${h.gw.adminUrl}/api/denials?by=customer`, { headers: auth })).status,
    ).toBe(400);
  });

  it("answers a what-if as /_gateway/evaluate does, with nothing forwarded, audited or counted", async () => {
    const auditedBefore = h.audit.records.length;
    const metricsBefore = await (await fetch(`${h.gw.adminUrl}/metrics`, { headers: auth })).text();
    h.sim.clearRequests();
    const res = await fetch(`${h.gw.adminUrl}/api/what-if`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        tenant: "metro-pd",
        path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
        body: {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: PROMPT },
                { type: "image_url", image_url: { url: "https://images.example/a.jpg" } },
              ],
            },
          ],
        },
      }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { decision: string; policies: { id: string }[] };
    expect(answer.decision).toBe("deny");
    expect(answer.policies.map((p) => p.id)).toEqual([POLICY]);
    expect(h.sim.requests()).toHaveLength(0);
    const metricsAfter = await (await fetch(`${h.gw.adminUrl}/metrics`, { headers: auth })).text();
    const decisions = (m: string) =>
      m.split("\n").filter((l) => l.startsWith("gateway_policy_decisions_total"));
    expect(decisions(metricsAfter)).toEqual(decisions(metricsBefore));
    expect(h.audit.records.length).toBe(auditedBefore);

    const unknown = await fetch(`${h.gw.adminUrl}/api/what-if`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ tenant: "nobody", path: "/openai/v1/chat/completions", body: {} }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { param: string } }).error.param).toBe("tenant");
  });

  it("serves the dashboard page and uPlot from the package, nothing else of it", async () => {
    const page = await fetch(`${h.gw.adminUrl}/`, { headers: auth });
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await page.text()).toContain("/vendor/uplot/uPlot.iife.min.js");
    const lib = await fetch(`${h.gw.adminUrl}/vendor/uplot/uPlot.iife.min.js`, { headers: auth });
    expect(lib.status).toBe(200);
    expect(await lib.text()).toContain("uPlot");
    const other = await fetch(`${h.gw.adminUrl}/vendor/uplot/uPlot.esm.js`, { headers: auth });
    expect(other.status).toBe(404);
  });
});

describe("admin token rotation", () => {
  it("takes a new token on reload and refuses the old one", async () => {
    const h = await startHarness({ edit: withToken });
    try {
      const next = `${TOKEN}-rotated`;
      writeFileSync(
        h.configFile,
        withToken(readFileSync(h.configFile, "utf8")).replace(TOKEN, next),
      );
      expect(await h.gw.reload("test")).toMatchObject({ ok: true });
      const status = async (token: string) =>
        (
          await fetch(`${h.gw.adminUrl}/api/decisions`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status;
      expect(await status(TOKEN)).toBe(401);
      expect(await status(next)).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe("decisions index with a file audit", () => {
  it("is rebuilt from the audit file after a restart", async () => {
    const { startSimulator } = await import("../../src/simulator/index.js");
    const { UPSTREAM_KEY } = await import("../helpers/harness.js");
    const sim = await startSimulator({ apiKey: UPSTREAM_KEY });
    const dir = mkdtempSync(join(tmpdir(), "gw-dashboard-"));
    const configFile = join(dir, "gateway.yaml");
    writeFileSync(
      configFile,
      testConfigYaml(sim.url, { extra: "audit: { destination: ./audit.jsonl }" }),
    );
    const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });
    try {
      const first = await startGateway({ configFile, logStream: quiet() });
      const id = await askWho(first.url, KEYS.metroPd);
      await first.close();

      const second = await startGateway({ configFile, logStream: quiet() });
      try {
        const { body } = await getJson<DecisionEntry>(`${second.adminUrl}/api/decisions/${id}`, {});
        expect(body).toMatchObject({
          decisionId: id,
          decision: "deny",
          policies: [{ id: POLICY }],
        });
        expect(body.policies[0]!.reason).toMatch(/.{20,}/);
      } finally {
        await second.close();
      }
    } finally {
      await sim.close();
    }
  });
});
