/**
 * Who asked (issue 13), over real HTTP with the openai SDK: named keys, the end user, the client's
 * address and user agent (`X-Forwarded-For` only from a trusted proxy), Azure's
 * `apim-request-id`, `user_security_context` as Azure defines it, and upstream failures in the
 * operational log (Azure refusing the gateway's own key becomes the gateway's 502).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { hashKey } from "../../src/pipeline/identify-tenant/identify.js";
import { type RunningGateway, startGateway } from "../../src/runtime/gateway.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { AuditCapture, KEYS, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";

const GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CHAT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";

/** Operational log lines, parsed, with a wait for one that matches. */
class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  #waiters: (() => void)[] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    for (const l of chunk.toString("utf8").split("\n"))
      if (l.trim()) this.lines.push(JSON.parse(l));
    for (const w of this.#waiters.splice(0)) w();
    cb();
  }
  async waitFor(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error("no matching log line");
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

interface Running {
  gw: RunningGateway;
  audit: AuditCapture;
  logs: LogCapture;
}

async function gatewayOn(
  url: string,
  opts: Parameters<typeof testConfigYaml>[1] = {},
): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "gw-attr-"));
  const configFile = join(dir, "gateway.yaml");
  writeFileSync(configFile, testConfigYaml(url, opts));
  const audit = new AuditCapture();
  const logs = new LogCapture();
  const gw = await startGateway({ configFile, auditStream: audit, logStream: logs });
  return { gw, audit, logs };
}

/** Names newsroom's key, gives the vendor's customer an Entra tenant, trusts loopback. */
const edit = (yaml: string) =>
  yaml
    .replace(
      "listen: { host: 127.0.0.1, port: 0 }",
      "listen: { host: 127.0.0.1, port: 0, trustedProxies: [127.0.0.1/32] }",
    )
    .replace(
      `keys: ["${hashKey(KEYS.newsroom)}"]`,
      `keys: [{ id: newsroom-cms, hash: "${hashKey(KEYS.newsroom)}" }]`,
    )
    .replace(
      `keys: ["${hashKey(KEYS.evidenceCloud)}"]`,
      `keys: ["${hashKey(KEYS.evidenceCloud)}"]\n    userSecurityContext: true`,
    )
    .replace(
      `jurisdiction: US-CA, keys: ["${hashKey(KEYS.cityPd)}"] }`,
      `jurisdiction: US-CA, entraTenantId: "${GUID}", keys: ["${hashKey(KEYS.cityPd)}"] }`,
    );

let sim: RunningSimulator;
let trusted: Running;
let plain: Running;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY, faults: true, chunkDelayMs: 5 });
  trusted = await gatewayOn(sim.url, { edit });
  plain = await gatewayOn(sim.url, { extra: "audit: { endUser: plain }" });
});
afterAll(async () => {
  await trusted.gw.close();
  await plain.gw.close();
  await sim.close();
});

const sdk = (gw: RunningGateway, apiKey: string, headers: Record<string, string> = {}) =>
  new AzureOpenAI({
    endpoint: gw.url,
    apiKey,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
    defaultHeaders: headers,
  });

async function chatWithRecord(
  r: Running,
  apiKey: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const { response } = await sdk(r.gw, apiKey, headers)
    .chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Summarise the shift report" }],
      ...body,
    })
    .withResponse();
  const id = response.headers.get("x-gateway-decision-id");
  return { response, record: await r.audit.waitFor((x) => x.decisionId === id) };
}

describe("who asked, in the audit", () => {
  it("names the key by its configured id, and an unnamed key by its hash prefix", async () => {
    const named = await chatWithRecord(trusted, KEYS.newsroom, {});
    expect(named.record.keyId).toBe("newsroom-cms");
    const unnamed = await chatWithRecord(trusted, KEYS.metPolice, {});
    expect(unnamed.record.keyId).toBe(hashKey(KEYS.metPolice).slice(7, 19));
  });

  it("records the end user as a keyed hash by default, never the id itself", async () => {
    const a = await chatWithRecord(trusted, KEYS.newsroom, { user: "alice@agency.example" });
    const b = await chatWithRecord(trusted, KEYS.newsroom, { user: "alice@agency.example" });
    expect(a.record.endUser?.from).toBe("user");
    expect(a.record.endUser?.id).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(b.record.endUser).toEqual(a.record.endUser); // stable: one user, one id
    expect(JSON.stringify(a.record)).not.toContain("alice");
  });

  it("takes user_security_context.end_user_id first, then safety_identifier, then user", async () => {
    const r1 = await chatWithRecord(plain, KEYS.newsroom, {
      user: "u-1",
      safety_identifier: "s-1",
      user_security_context: { end_user_id: "oid-1" },
    });
    expect(r1.record.endUser).toEqual({ id: "oid-1", from: "user_security_context" });
    const r2 = await chatWithRecord(plain, KEYS.newsroom, {
      user: "u-2",
      safety_identifier: "s-2",
    });
    expect(r2.record.endUser).toEqual({ id: "s-2", from: "safety_identifier" });
  });

  it("records the client's address and user agent", async () => {
    const { record } = await chatWithRecord(plain, KEYS.newsroom, {});
    expect(record.client?.address).toBe("127.0.0.1");
    expect(record.client?.userAgent).toMatch(/OpenAI\/JS/);
  });

  it("believes X-Forwarded-For only from a trusted proxy", async () => {
    const xff = { "x-forwarded-for": "198.51.100.23" };
    const viaIngress = await chatWithRecord(trusted, KEYS.newsroom, {}, xff);
    expect(viaIngress.record.client?.address).toBe("198.51.100.23");
    const spoofed = await chatWithRecord(plain, KEYS.newsroom, {}, xff);
    expect(spoofed.record.client?.address).toBe("127.0.0.1");
  });

  it("records Azure's apim-request-id beside the decision id", async () => {
    const { response, record } = await chatWithRecord(plain, KEYS.newsroom, {});
    expect(record.apimRequestId).toBe(response.headers.get("apim-request-id"));
    expect(record.apimRequestId).toBeTruthy();
  });

  it("records no end user with audit.endUser: off", async () => {
    const off = await gatewayOn(sim.url, { extra: "audit: { endUser: off }" });
    try {
      const { record } = await chatWithRecord(off, KEYS.newsroom, { user: "bob" });
      expect(record.endUser).toBeUndefined();
    } finally {
      await off.gw.close();
    }
  });
});

describe("user_security_context", () => {
  it("names tenant/customer, the client address via the ingress, the customer's Entra tenant, and keeps end_user_id", async () => {
    sim.clearRequests();
    await chatWithRecord(
      trusted,
      KEYS.cityPd,
      {
        user_security_context: {
          application_name: "spoofed",
          end_user_id: "oid-7",
          end_user_tenant_id: "city-pd",
        },
      },
      { "x-forwarded-for": "198.51.100.40" },
    );
    const seen = sim.requests().at(-1)!.json as { user_security_context: unknown };
    expect(seen.user_security_context).toEqual({
      application_name: "evidence-cloud/city-pd",
      end_user_id: "oid-7",
      end_user_tenant_id: GUID,
      source_ip: "198.51.100.40",
    });
  });

  it("sends no end_user_tenant_id without a configured Entra tenant", async () => {
    sim.clearRequests();
    await chatWithRecord(
      trusted,
      KEYS.evidenceCloud,
      {},
      { "x-gateway-on-behalf-of": "hospital-7" },
    );
    const seen = sim.requests().at(-1)!.json as { user_security_context: unknown };
    expect(seen.user_security_context).toEqual({
      application_name: "evidence-cloud/hospital-7",
      source_ip: "127.0.0.1",
    });
  });

  it("leaves a Responses body as sent (Azure defines the field for chat completions only)", async () => {
    sim.clearRequests();
    const client = sdk(trusted.gw, KEYS.cityPd);
    await client.responses.create({ model: "gpt-4o", input: "Summarise the shift report" });
    const seen = sim.requests().at(-1)!;
    expect(seen.path).toContain("responses");
    expect(seen.json).not.toHaveProperty("user_security_context");
  });
});

describe("upstream failures", () => {
  const post = (gw: RunningGateway, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${CHAT}`, {
      method: "POST",
      headers: { "api-key": KEYS.newsroom, "content-type": "application/json", ...headers },
      body: JSON.stringify({ messages: [{ role: "user", content: "hello" }], stream: true }),
    });

  it("answers the gateway's 502 when Azure refuses the gateway's own key, and logs it", async () => {
    const wrongKey = await gatewayOn(sim.url, {
      upstreams: `  - name: primary\n    endpoint: ${sim.url}\n    auth: { type: api-key, apiKey: not-the-key }`,
    });
    try {
      const res = await post(wrongKey.gw);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe("UpstreamAuthenticationFailed");
      expect(text.toLowerCase()).not.toContain("subscription");
      const id = res.headers.get("x-gateway-decision-id");
      const record = await wrongKey.audit.waitFor((r) => r.decisionId === id);
      expect(record).toMatchObject({
        status: 502,
        error: "UpstreamAuthenticationFailed",
        upstreamStatus: 401,
      });
      expect(record.attempts).toEqual([
        { upstream: "primary", error: "UpstreamHTTP401", ms: expect.any(Number) },
      ]);
      const line = await wrongKey.logs.waitFor((l) => l.decisionId === id);
      expect(line).toMatchObject({
        msg: "upstream failed",
        upstream: "primary",
        failure: "UpstreamAuthenticationFailed",
        cause: "UpstreamHTTP401",
        upstreamStatus: 401,
      });

      // The same for a realtime session: its handshake is refused with the gateway's 502.
      const ws = new WebSocket(
        `${wrongKey.gw.url.replace(/^http/, "ws")}/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview`,
        { headers: { "api-key": KEYS.newsroom } },
      );
      const refused = await new Promise<{ status: number; body: string; id: string }>((resolve) => {
        ws.once("unexpected-response", (_req, r) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () =>
            resolve({
              status: r.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              id: String(r.headers["x-gateway-decision-id"]),
            }),
          );
        });
        ws.once("error", () => undefined);
      });
      expect(refused.status).toBe(502);
      expect(JSON.parse(refused.body).error.code).toBe("UpstreamAuthenticationFailed");
      const rtLine = await wrongKey.logs.waitFor((l) => l.decisionId === refused.id);
      expect(rtLine).toMatchObject({
        failure: "UpstreamAuthenticationFailed",
        upstream: "primary",
      });
    } finally {
      await wrongKey.gw.close();
    }
  });

  it("logs an unreachable upstream (502) and a slow one (504) with decision id and cause", async () => {
    const dead = await gatewayOn("http://127.0.0.1:9");
    try {
      const res = await post(dead.gw);
      expect(res.status).toBe(502);
      const id = res.headers.get("x-gateway-decision-id");
      const line = await dead.logs.waitFor((l) => l.decisionId === id);
      expect(line).toMatchObject({ failure: "UpstreamUnavailable", upstream: "primary" });
      expect(line.cause).toMatch(/ECONNREFUSED/);
    } finally {
      await dead.gw.close();
    }
    const res = await post(plain.gw, { "x-simulator-delay-ms": "3000" });
    expect(res.status).toBe(504);
    const id = res.headers.get("x-gateway-decision-id");
    const line = await plain.logs.waitFor((l) => l.decisionId === id);
    expect(line).toMatchObject({ failure: "UpstreamTimeout", upstream: "primary", status: 504 });
  });

  it("logs a stream that upstream cut", async () => {
    const res = await post(plain.gw, {
      "x-simulator-chunks": "6",
      "x-simulator-drop-after-chunks": "2",
    });
    const id = res.headers.get("x-gateway-decision-id");
    await res.text().catch(() => undefined);
    const line = await plain.logs.waitFor((l) => l.decisionId === id);
    expect(line).toMatchObject({ failure: "UpstreamStreamCut", upstream: "primary", status: 200 });
  });

  it("logs nothing for a call upstream answered", async () => {
    const res = await post(plain.gw);
    await res.text();
    const id = res.headers.get("x-gateway-decision-id");
    await plain.audit.waitFor((r) => r.decisionId === id);
    expect(plain.logs.lines.some((l) => l.decisionId === id)).toBe(false);
  });
});
