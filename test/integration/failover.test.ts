/**
 * Several upstreams: failover on 429, 5xx and connect errors while nothing reached the client,
 * retry-after cool-downs, the circuit breaker, weights and deployment routing. Two simulators:
 * `sim1` obeys the fault headers, `sim2` ignores them, so an injected fault hits only `sim1`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { UpstreamRuntimeOptions } from "../../src/pipeline/forward/upstreams.js";
import { type RunningGateway, startGateway } from "../../src/runtime/gateway.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { AuditCapture, KEYS, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";

let sim1: RunningSimulator;
let sim2: RunningSimulator;
let closedPort: number;
let gw: RunningGateway | undefined;
let audit: AuditCapture;
let now = 1_000_000;

beforeAll(async () => {
  sim1 = await startSimulator({ apiKey: UPSTREAM_KEY, faults: true, chunkDelayMs: 5 });
  sim2 = await startSimulator({ apiKey: UPSTREAM_KEY, faults: false, chunkDelayMs: 5 });
  // A port that was free a moment ago: nothing listens there.
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
});
afterAll(async () => {
  await sim1.close();
  await sim2.close();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  sim1.clearRequests();
  sim2.clearRequests();
});

const upstreamYaml = (name: string, url: string, extra: string = "") => `  - name: ${name}
    endpoint: ${url}
    auth: { type: api-key, apiKey: ${UPSTREAM_KEY} }${extra === "" ? "" : `\n    ${extra}`}`;

async function start(
  upstreams: string[],
  runtime: UpstreamRuntimeOptions = {},
): Promise<RunningGateway> {
  const dir = mkdtempSync(join(tmpdir(), "gw-failover-"));
  const configFile = join(dir, "gateway.yaml");
  writeFileSync(configFile, testConfigYaml("unused", { upstreams: upstreams.join("\n") }));
  audit = new AuditCapture();
  gw = await startGateway({
    configFile,
    auditStream: audit,
    logStream: new Writable({ write: (_c, _e, cb) => cb() }),
    upstreams: { clock: () => now, ...runtime },
  });
  return gw;
}

const chat = (
  headers: Record<string, string> = {},
  opts: { deployment?: string; stream?: boolean } = {},
) =>
  fetch(
    `${gw!.url}/openai/deployments/${opts.deployment ?? "gpt-4o"}/chat/completions?api-version=2024-10-21`,
    {
      method: "POST",
      headers: { "api-key": KEYS.newsroom, "content-type": "application/json", ...headers },
      body: JSON.stringify({
        messages: [{ role: "user", content: "hello" }],
        ...(opts.stream ? { stream: true } : {}),
      }),
    },
  );

const recordOf = (res: Response) =>
  audit.waitFor((r) => r.decisionId === res.headers.get("x-gateway-decision-id"));

const metric = async (name: string) => await gw!.metrics.registry.getSingleMetricAsString(name);

describe("failover", () => {
  it("fails over on an injected 429 and skips the upstream while it cools down", async () => {
    await start([
      upstreamYaml("primary", sim1.url, "priority: 0"),
      upstreamYaml("secondary", sim2.url, "priority: 1"),
    ]);
    const res = await chat({ "x-simulator-status": "429" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe("chat.completion");
    const record = await recordOf(res);
    expect(record.upstream).toBe("secondary");
    expect(record.status).toBe(200);
    expect(record.attempts).toMatchObject([
      { upstream: "primary", status: 429 },
      { upstream: "secondary", status: 200 },
    ]);
    expect(sim1.requests()).toHaveLength(1);
    expect(sim2.requests()).toHaveLength(1);

    // Within the simulator's retry-after (1 s on the injected clock): straight to the secondary.
    now += 500;
    const next = await chat();
    expect(next.status).toBe(200);
    expect((await recordOf(next)).attempts).toMatchObject([{ upstream: "secondary", status: 200 }]);
    expect(sim1.requests()).toHaveLength(1);
    expect(sim2.requests()).toHaveLength(2);

    // Once it has passed, the primary again.
    now += 600;
    const later = await chat();
    expect((await recordOf(later)).upstream).toBe("primary");
    expect(sim1.requests()).toHaveLength(2);
    expect(await metric("gateway_upstream_attempts_total")).toMatch(
      /gateway_upstream_attempts_total\{upstream="primary",outcome="throttled"\} 1/,
    );
  });

  it("fails over on a 5xx, and when the last upstream also fails its answer passes unchanged", async () => {
    await start([
      upstreamYaml("primary", sim1.url, "priority: 0"),
      upstreamYaml("secondary", sim1.url, "priority: 1"),
    ]);
    const res = await chat({ "x-simulator-status": "503" });
    expect(res.status).toBe(503);
    const record = await recordOf(res);
    expect(record.attempts).toMatchObject([
      { upstream: "primary", status: 503 },
      { upstream: "secondary", status: 503 },
    ]);
    expect(record.upstream).toBe("secondary");
    expect(sim1.requests()).toHaveLength(2);
  });

  it("fails over when the first upstream refuses the connection", async () => {
    await start([
      upstreamYaml("down", `http://127.0.0.1:${closedPort}`, "priority: 0"),
      upstreamYaml("up", sim2.url, "priority: 1"),
    ]);
    const res = await chat();
    expect(res.status).toBe(200);
    const record = await recordOf(res);
    expect(record.upstream).toBe("up");
    expect(record.error).toBeUndefined();
    expect(record.attempts).toMatchObject([
      { upstream: "down", error: "ECONNREFUSED" },
      { upstream: "up", status: 200 },
    ]);
  });

  it("replays the last upstream answer unchanged when a later upstream is unreachable", async () => {
    await start([
      upstreamYaml("primary", sim1.url, "priority: 0"),
      upstreamYaml("down", `http://127.0.0.1:${closedPort}`, "priority: 1"),
    ]);
    const res = await chat({ "x-simulator-status": "429" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after-ms")).toBe("1000");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("429");
    const record = await recordOf(res);
    expect(record).toMatchObject({ status: 429, upstream: "primary", upstreamStatus: 429 });
    expect(record.error).toBeUndefined();
    expect(record.attempts).toMatchObject([
      { upstream: "primary", status: 429 },
      { upstream: "down", error: "ECONNREFUSED" },
    ]);
  });

  it("never fails over once the first byte of a stream reached the client", async () => {
    await start([
      upstreamYaml("primary", sim1.url, "priority: 0"),
      upstreamYaml("secondary", sim2.url, "priority: 1"),
    ]);
    const res = await chat({ "x-simulator-drop-after-chunks": "3" }, { stream: true });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const record = await recordOf(res);
    expect(record.upstream).toBe("primary");
    expect(record.upstreamError).toBeTruthy();
    expect(record.attempts).toMatchObject([{ upstream: "primary", status: 200 }]);
    expect(sim2.requests()).toHaveLength(0);
  });

  it("does not fail over a timeout: the call may be running upstream", async () => {
    await start([
      upstreamYaml("primary", sim1.url, "priority: 0"),
      upstreamYaml("secondary", sim2.url, "priority: 1"),
    ]);
    const res = await chat({ "x-simulator-delay-ms": "5000" }); // harness timeout: 1500 ms
    expect(res.status).toBe(504);
    const record = await recordOf(res);
    expect(record.error).toBe("UpstreamTimeout");
    expect(record.attempts).toMatchObject([
      { upstream: "primary", error: "UND_ERR_HEADERS_TIMEOUT" },
    ]);
    expect(sim2.requests()).toHaveLength(0);
  });
});

describe("circuit breaker", () => {
  it("opens after N failures, half-opens after the cool-down and closes on success", async () => {
    await start([
      upstreamYaml("primary", sim1.url, "priority: 0\n    breaker: { failures: 2, openMs: 10000 }"),
      upstreamYaml("secondary", sim2.url, "priority: 1"),
    ]);
    const fault = { "x-simulator-status": "500" };
    for (let i = 0; i < 2; i++) {
      const res = await chat(fault);
      expect(res.status).toBe(200); // failed over to the secondary
      await res.arrayBuffer();
    }
    expect(sim1.requests()).toHaveLength(2);
    expect(await metric("gateway_upstream_circuit_state")).toMatch(
      /gateway_upstream_circuit_state\{upstream="primary"\} 2/,
    );

    // Open: the primary is not even tried.
    now += 9_999;
    const skipped = await chat(fault);
    expect((await recordOf(skipped)).attempts).toMatchObject([{ upstream: "secondary" }]);
    expect(sim1.requests()).toHaveLength(2);

    // Half-open: one trial; it fails and the breaker opens again.
    now += 1;
    const trial = await chat(fault);
    expect((await recordOf(trial)).attempts).toMatchObject([
      { upstream: "primary", status: 500 },
      { upstream: "secondary", status: 200 },
    ]);
    const again = await chat(fault);
    expect((await recordOf(again)).attempts).toMatchObject([{ upstream: "secondary" }]);

    // Next trial succeeds: closed.
    now += 10_000;
    const ok = await chat();
    expect((await recordOf(ok)).upstream).toBe("primary");
    expect(await metric("gateway_upstream_circuit_state")).toMatch(
      /gateway_upstream_circuit_state\{upstream="primary"\} 0/,
    );
    const after = await chat();
    expect((await recordOf(after)).upstream).toBe("primary");
  });

  it("answers 502 UpstreamUnavailable with retry-after when every breaker is open", async () => {
    await start([
      upstreamYaml(
        "down",
        `http://127.0.0.1:${closedPort}`,
        "breaker: { failures: 1, openMs: 30000 }",
      ),
    ]);
    const first = await chat();
    expect(first.status).toBe(502);
    await first.arrayBuffer();
    const res = await chat();
    expect(res.status).toBe(502);
    expect(res.headers.get("retry-after")).toBe("30");
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("UpstreamUnavailable");
    expect(body.error.message).toBe(
      "no upstream is available for deployment `gpt-4o`: `down` circuit open for 30 s",
    );
    const record = await recordOf(res);
    expect(record.error).toBe("UpstreamUnavailable");
    expect(record.attempts).toBeUndefined(); // nothing was tried
  });
});

describe("balancing and routing", () => {
  it("spreads traffic by weight among upstreams of one priority", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    await start(
      [upstreamYaml("heavy", sim1.url, "weight: 3"), upstreamYaml("light", sim2.url, "weight: 1")],
      { random },
    );
    const total = 200;
    for (let i = 0; i < total; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const res = await chat();
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }),
      );
    }
    const heavy = sim1.requests().length;
    expect(heavy + sim2.requests().length).toBe(total);
    expect(heavy / total).toBeGreaterThan(0.65);
    expect(heavy / total).toBeLessThan(0.85);
  });

  it("sends a deployment only to the upstreams that list it", async () => {
    await start([
      upstreamYaml("big", sim1.url, "deployments: [gpt-4o]"),
      upstreamYaml("small", sim2.url, "deployments: [gpt-4o-mini]"),
    ]);
    for (let i = 0; i < 5; i++) {
      const res = await chat({}, { deployment: "gpt-4o-mini" });
      expect(res.status).toBe(200);
      expect((await recordOf(res)).upstream).toBe("small");
    }
    expect(sim1.requests()).toHaveLength(0);
    expect(sim2.requests()).toHaveLength(5);
    const other = await chat({}, { deployment: "dall-e-3" });
    expect(other.status).toBe(404);
  });
});
