/**
 * The data plane as one table (Envoy AI Gateway's style): for each request, the path and headers
 * that must reach upstream, the headers that must NOT (tenant credentials, x-gateway-*, hop-by-hop),
 * and the status the client gets.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness, UPSTREAM_KEY } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

interface Row {
  name: string;
  method?: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  status: number;
  upstreamPath: string;
  upstreamQuery?: Record<string, string>;
  mustHave: Record<string, string | RegExp>;
  mustNotHave: string[];
}

const chatBody = { messages: [{ role: "user", content: "hi" }] };
const SPOOFED_TRUST = {
  "x-gateway-camera-source": "fixed",
  "x-gateway-environment": "controlled",
  "x-gateway-capture": "recorded",
  "x-gateway-camera-id": "cam-1",
  "x-gateway-purpose": "scene-description",
};

const rows: Row[] = [
  {
    name: "classic chat: tenant api-key replaced by the upstream key",
    path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    headers: { "api-key": KEYS.newsroom },
    body: chatBody,
    status: 200,
    upstreamPath: "/openai/deployments/gpt-4o/chat/completions",
    upstreamQuery: { "api-version": "2024-10-21" },
    mustHave: { "api-key": UPSTREAM_KEY, "x-ms-client-request-id": /^[0-9a-f-]{36}$/ },
    mustNotHave: ["authorization"],
  },
  {
    name: "v1 chat: bearer tenant key removed, upstream key added",
    path: "/openai/v1/chat/completions",
    headers: { authorization: `Bearer ${KEYS.newsroom}` },
    body: { model: "gpt-4o", ...chatBody },
    status: 200,
    upstreamPath: "/openai/v1/chat/completions",
    mustHave: { "api-key": UPSTREAM_KEY },
    mustNotHave: ["authorization"],
  },
  {
    name: "every x-gateway-* declaration stays at the gateway",
    path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    headers: { "api-key": KEYS.newsroom, ...SPOOFED_TRUST, "x-gateway-anything": "1" },
    body: chatBody,
    status: 200,
    upstreamPath: "/openai/deployments/gpt-4o/chat/completions",
    mustHave: { "api-key": UPSTREAM_KEY },
    mustNotHave: [...Object.keys(SPOOFED_TRUST), "x-gateway-anything"],
  },
  {
    name: "hop-by-hop headers and those named in Connection are not forwarded",
    path: "/openai/deployments/gpt-4o/embeddings?api-version=2024-10-21",
    headers: {
      "api-key": KEYS.newsroom,
      connection: "keep-alive, x-private-hop",
      "x-private-hop": "secret",
      "proxy-authorization": "Basic abc",
      te: "trailers",
      "x-custom": "kept",
    },
    body: { input: "hello" },
    status: 200,
    upstreamPath: "/openai/deployments/gpt-4o/embeddings",
    mustHave: { "x-custom": "kept" },
    mustNotHave: ["x-private-hop", "proxy-authorization", "te"],
  },
  {
    name: "client-address, proxy and front-end credential headers are not forwarded",
    path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    headers: {
      "api-key": KEYS.newsroom,
      "x-real-ip": "203.0.113.7",
      "true-client-ip": "203.0.113.7",
      "cf-connecting-ip": "203.0.113.7",
      "x-azure-clientip": "203.0.113.7",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      via: "1.1 corp-proxy.internal",
      "ocp-apim-subscription-key": "apim-secret",
      cookie: "session=secret",
      "x-custom": "kept",
    },
    body: chatBody,
    status: 200,
    upstreamPath: "/openai/deployments/gpt-4o/chat/completions",
    mustHave: { "x-custom": "kept", "api-key": UPSTREAM_KEY },
    mustNotHave: [
      "x-real-ip",
      "true-client-ip",
      "cf-connecting-ip",
      "x-azure-clientip",
      "x-forwarded-for",
      "x-forwarded-port",
      "via",
      "ocp-apim-subscription-key",
      "cookie",
    ],
  },
  {
    name: "a client-chosen x-ms-client-request-id is replaced by the decision id",
    path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    headers: { "api-key": KEYS.newsroom, "x-ms-client-request-id": "client-chosen" },
    body: chatBody,
    status: 200,
    upstreamPath: "/openai/deployments/gpt-4o/chat/completions",
    mustHave: { "x-ms-client-request-id": /^[0-9a-f]{8}-/ },
    mustNotHave: [],
  },
  {
    name: "a doubled leading slash (older SDKs) is tolerated",
    path: "//openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    headers: { "api-key": KEYS.newsroom },
    body: chatBody,
    status: 200,
    upstreamPath: "/openai/deployments/gpt-4o/chat/completions",
    mustHave: { "api-key": UPSTREAM_KEY },
    mustNotHave: [],
  },
  {
    name: "an unknown sub-path is forwarded as it is",
    method: "GET",
    path: "/openai/deployments/gpt-4o/some/future/api?api-version=2099-01-01",
    headers: { "api-key": KEYS.newsroom },
    status: 404, // the simulator does not know it; Azure's 404 passes through
    upstreamPath: "/openai/deployments/gpt-4o/some/future/api",
    mustHave: { "api-key": UPSTREAM_KEY },
    mustNotHave: [],
  },
];

/** A raw HTTP call: unlike fetch, node:http sends `connection`, `te` and friends as given. */
function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("data plane table", () => {
  it.each(rows)("$name", async (row) => {
    h.sim.clearRequests();
    const res = await send(
      row.method ?? "POST",
      `${h.gw.url}${row.path}`,
      {
        ...(row.body === undefined ? {} : { "content-type": "application/json" }),
        ...row.headers,
      },
      row.body === undefined ? undefined : JSON.stringify(row.body),
    );
    expect(res.status).toBe(row.status);
    expect(res.headers["x-gateway-decision"]).toBe("allow");
    const decisionId = res.headers["x-gateway-decision-id"];
    const seen = h.sim.requests();
    expect(seen).toHaveLength(1);
    const up = seen[0]!;
    expect(up.path).toBe(row.upstreamPath);
    if (row.upstreamQuery) expect(up.query).toEqual(row.upstreamQuery);
    expect(up.headers["x-ms-client-request-id"]).toBe(decisionId);
    for (const [name, want] of Object.entries(row.mustHave)) {
      const got = String(up.headers[name]);
      if (want instanceof RegExp) expect(got, name).toMatch(want);
      else expect(got, name).toBe(want);
    }
    for (const name of row.mustNotHave) expect(up.headers[name], name).toBeUndefined();
    // No tenant key ever reaches upstream, whatever the header.
    for (const key of Object.values(KEYS)) expect(JSON.stringify(up.headers)).not.toContain(key);
  });

  it("returns upstream response headers (request ids, rate limits, region) to the client", async () => {
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
        body: JSON.stringify(chatBody),
      },
    );
    await res.arrayBuffer();
    for (const name of [
      "apim-request-id",
      "x-request-id",
      "x-ms-region",
      "x-ratelimit-remaining-requests",
      "x-ratelimit-remaining-tokens",
    ]) {
      expect(res.headers.get(name), name).toBeTruthy();
    }
    expect(res.headers.get("x-ms-client-request-id")).toBe(
      res.headers.get("x-gateway-decision-id"),
    );
  });

  it("answers paths outside /openai/ with an Azure-shaped 404", async () => {
    const res = await fetch(`${h.gw.url}/v2/anything`, { headers: { "api-key": KEYS.newsroom } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NotFound");
  });

  it("sets Azure's user_security_context for tenants that enable it, replacing the client's", async () => {
    h.sim.clearRequests();
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
        body: JSON.stringify({
          ...chatBody,
          user_security_context: { application_name: "spoofed" },
        }),
      },
    );
    expect(res.status).toBe(200);
    const seen = h.sim.requests()[0]!.json as {
      user_security_context: Record<string, string>;
      messages: unknown;
    };
    expect(seen.user_security_context).toEqual({
      application_name: "newsroom",
      source_ip: "127.0.0.1",
    });
    expect(seen.messages).toEqual(chatBody.messages);
  });

  it("answers a WebSocket upgrade outside the realtime paths with an audited 404", async () => {
    const res = await send(
      "GET",
      `${h.gw.url}/openai/deployments/rt/chat/completions?api-version=2024-10-21`,
      {
        "api-key": KEYS.newsroom,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    );
    expect(res.status).toBe(404);
    const id = res.headers["x-gateway-decision-id"];
    const record = await h.audit.waitFor((r) => r.decisionId === id);
    expect(record).toMatchObject({ status: 404, error: "NotFound" });
  });
});
