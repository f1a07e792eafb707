import { describe, expect, it } from "vitest";
import { planAttempts, weightedOrder } from "../../../src/pipeline/forward/balancer.js";
import { UpstreamHealth } from "../../../src/pipeline/forward/health.js";
import type { LiveUpstream } from "../../../src/pipeline/forward/upstreams.js";

let now = 0;
const clock = () => now;

function upstream(
  name: string,
  opts: { priority?: number; weight?: number; deployments?: string[] } = {},
): LiveUpstream {
  return {
    config: {
      name,
      priority: opts.priority ?? 0,
      weight: opts.weight ?? 1,
      deployments: opts.deployments ? new Set(opts.deployments) : null,
      breaker: { failures: 2, openMs: 1000 },
    },
    health: new UpstreamHealth(name, { failures: 2, openMs: 1000 }, clock, undefined),
  } as unknown as LiveUpstream;
}

/** A deterministic sequence of "random" numbers. */
const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};
const names = (us: readonly LiveUpstream[]) => us.map((u) => u.config.name);

describe("weightedOrder", () => {
  it("orders by priority, lowest first", () => {
    const us = [
      upstream("c", { priority: 2 }),
      upstream("a", { priority: 0 }),
      upstream("b", { priority: 1 }),
    ];
    expect(names(weightedOrder(us, Math.random))).toEqual(["a", "b", "c"]);
  });

  it("picks the first of a priority in proportion to weight", () => {
    const us = [upstream("a", { weight: 3 }), upstream("b", { weight: 1 })];
    expect(names(weightedOrder(us, seq(0)))).toEqual(["a", "b"]);
    expect(names(weightedOrder(us, seq(0.74)))).toEqual(["a", "b"]);
    expect(names(weightedOrder(us, seq(0.75)))).toEqual(["b", "a"]);
    expect(names(weightedOrder(us, seq(0.99)))).toEqual(["b", "a"]);
  });

  it("spreads traffic 3:1 over many calls", () => {
    const us = [upstream("a", { weight: 3 }), upstream("b", { weight: 1 })];
    let state = 42;
    const lcg = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const firsts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 4000; i++) firsts[weightedOrder(us, lcg)[0]!.config.name]!++;
    expect(firsts.a! / 4000).toBeGreaterThan(0.7);
    expect(firsts.a! / 4000).toBeLessThan(0.8);
  });

  it("keeps siblings of one priority before the next priority", () => {
    const us = [
      upstream("backup", { priority: 1, weight: 100 }),
      upstream("a", { weight: 1 }),
      upstream("b", { weight: 1 }),
    ];
    const order = names(weightedOrder(us, seq(0.9)));
    expect(order).toEqual(["b", "a", "backup"]);
  });
});

describe("planAttempts", () => {
  it("keeps only the upstreams that serve the deployment", () => {
    const us = [
      upstream("a", { deployments: ["gpt-4o"] }),
      upstream("b", { deployments: ["mini"] }),
      upstream("all"),
    ];
    expect(names(planAttempts(us, "mini", 0, seq(0)).order).sort()).toEqual(["all", "b"]);
    expect(names(planAttempts(us, null, 0, seq(0)).order)).toEqual(["all"]);
  });

  it("answers an empty plan with no reason when nothing serves the deployment", () => {
    const plan = planAttempts([upstream("a", { deployments: ["x"] })], "y", 0, seq(0));
    expect(plan).toEqual({ order: [], unavailable: [] });
  });

  it("skips an upstream cooling down for this deployment only", () => {
    now = 0;
    const a = upstream("a");
    const b = upstream("b", { priority: 1 });
    a.health.coolDown("gpt-4o", 1000, 0);
    expect(names(planAttempts([a, b], "gpt-4o", 500, seq(0)).order)).toEqual(["b"]);
    expect(names(planAttempts([a, b], "mini", 500, seq(0)).order)).toEqual(["a", "b"]);
    expect(names(planAttempts([a, b], "gpt-4o", 1000, seq(0)).order)).toEqual(["a", "b"]);
  });

  it("tries the upstream whose cool-down ends first when all are cooling down", () => {
    const a = upstream("a");
    const b = upstream("b");
    a.health.coolDown("d", 5000, 0);
    b.health.coolDown("d", 2000, 0);
    expect(names(planAttempts([a, b], "d", 100, seq(0)).order)).toEqual(["b"]);
  });

  it("skips open breakers and names them when none is left", () => {
    const a = upstream("a");
    const b = upstream("b");
    a.health.breaker.failure(0);
    a.health.breaker.failure(0);
    expect(names(planAttempts([a, b], "d", 10, seq(0)).order)).toEqual(["b"]);
    b.health.breaker.failure(0);
    b.health.breaker.failure(0);
    const plan = planAttempts([a, b], "d", 10, seq(0));
    expect(plan.order).toEqual([]);
    expect(plan.unavailable).toEqual([
      { upstream: "a", reason: "circuit-open", until: 1000 },
      { upstream: "b", reason: "circuit-open", until: 1000 },
    ]);
    // after the open time, each may take a trial call again
    expect(names(planAttempts([a, b], "d", 1000, seq(0)).order)).toEqual(["a", "b"]);
  });

  it("plans a single upstream without randomness", () => {
    const a = upstream("a");
    const random = () => {
      throw new Error("not called");
    };
    expect(names(planAttempts([a], "d", 0, random).order)).toEqual(["a"]);
  });
});
