/**
 * The latency histogram of our own must expose exactly what prom-client's `Histogram` did: the
 * same observations on both, in registries of their own, give the same `/metrics` text and the
 * same JSON (docs/performance.md, "Issue 14, round six").
 */
import { Histogram, Registry, type RegistryContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "../../../src/admin/latency-histogram.js";
import { createMetrics } from "../../../src/admin/metrics.js";

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function pair(labelNames: string[], buckets = BUCKETS) {
  const theirs = new Registry<RegistryContentType>();
  const ours = new Registry<RegistryContentType>();
  const config = { name: "gateway_request_duration_seconds", help: "Time \\ to\nend", labelNames };
  const prom = new Histogram({ ...config, buckets, registers: [theirs] });
  const own = new LatencyHistogram({ ...config, buckets, registers: [ours] });
  return { theirs, ours, prom, own };
}

/** Deterministic values over and between the bounds, on them, below and above them. */
function values(n: number): number[] {
  const out: number[] = [];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push((x / 2 ** 31) ** 4 * 80);
  }
  return [...out, ...BUCKETS, 0, -0.5, 1e-9, 60.000001, 1e6];
}

describe("LatencyHistogram", () => {
  it("gives the /metrics text and JSON prom-client's histogram gives, series in first-observed order", async () => {
    const { theirs, ours, prom, own } = pair(["operation"]);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // A child asked for but not observed yet is not exposed, and does not take its place early.
    own.labels("embeddings");
    prom.labels("embeddings");
    const operations = ["chat", "embeddings", 'odd"name\\', "images"];
    values(500).forEach((v, i) => {
      const op = operations[(i * 7) % operations.length]!;
      prom.labels(op).observe(v);
      own.labels(op).observe(v);
    });
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('gateway_request_duration_seconds_bucket{le="+Inf",operation="chat"}');
    expect(text).toContain('gateway_request_duration_seconds_sum{operation="images"}');
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    ours.resetMetrics();
    theirs.resetMetrics();
    own.labels("chat").observe(0.2);
    prom.labels("chat").observe(0.2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("matches with several labels, default labels and the OpenMetrics format", async () => {
    const { theirs, ours, prom, own } = pair(["tenant", "memo"], [0.00001, 0.0001, 0.01]);
    for (const r of [theirs, ours]) r.setDefaultLabels({ instance: "gw-1" });
    for (const v of values(50)) {
      for (const h of [prom, own]) h.labels("newsroom", v > 1 ? "miss" : "hit").observe(v / 1000);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    for (const r of [theirs, ours]) r.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("refuses what prom-client refuses", () => {
    const { prom, own } = pair(["operation"]);
    for (const h of [prom, own]) {
      expect(() => h.labels("chat").observe(Number.NaN)).toThrow(TypeError);
      expect(() => h.labels("chat").observe(Number.POSITIVE_INFINITY)).toThrow(TypeError);
      expect(() => h.labels("chat", "extra")).toThrow(/Invalid number of arguments/);
    }
  });

  it("is what the gateway's registry exposes for its three latency histograms", async () => {
    const m = createMetrics();
    m.duration.labels("chat").observe(0.012);
    m.upstreamTtfb.labels("primary").observe(0.004);
    m.policyDuration.labels("hit").observe(0.00002);
    const text = await m.registry.metrics();
    expect(text).toContain(
      '# TYPE gateway_request_duration_seconds histogram\ngateway_request_duration_seconds_bucket{le="0.001",operation="chat"} 0',
    );
    expect(text).toContain('gateway_upstream_ttfb_seconds_count{upstream="primary"} 1');
    expect(text).toContain('gateway_policy_duration_seconds_bucket{le="0.000025",memo="hit"} 1');
  });
});
