/**
 * Deferred counters: increments added up on the request path reach prom-client when it collects,
 * so a scrape reads the same totals as with an `inc` per request.
 */
import { Counter, Gauge, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { chainCollect, deferredCounter } from "../../../src/admin/deferred-counter.js";

describe("deferredCounter", () => {
  it("hands the totals to prom-client at each collection, and keeps the metric's own collect", async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: "calls_total",
      help: "calls",
      labelNames: ["tenant", "decision"],
      registers: [registry],
    });
    const tally = deferredCounter(counter);
    for (let i = 0; i < 3; i++) tally("newsroom", "allow").inc();
    tally("metro-pd", "deny").inc(2);
    let text = await registry.metrics();
    expect(text).toContain('calls_total{tenant="newsroom",decision="allow"} 3');
    expect(text).toContain('calls_total{tenant="metro-pd",decision="deny"} 2');
    tally("newsroom", "allow").inc(4);
    text = await registry.metrics();
    expect(text).toContain('calls_total{tenant="newsroom",decision="allow"} 7');
    expect(() => tally("newsroom", "allow").inc(-1)).toThrow(TypeError);
    expect(() => tally("newsroom", "allow").inc(Number.NaN)).toThrow(TypeError);
  });

  it("chains onto a collect callback the metric already had", async () => {
    const registry = new Registry();
    const order: string[] = [];
    const gauge = new Gauge({
      name: "g",
      help: "g",
      registers: [registry],
      collect() {
        order.push("own");
      },
    });
    chainCollect(gauge, () => order.push("chained"));
    await registry.metrics();
    expect(order).toEqual(["chained", "own"]);
  });
});
