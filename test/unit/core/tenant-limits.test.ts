/**
 * The pure parts of the per-tenant limits and the bounded metric labels: the config keys, the
 * concurrency counter, the what-if window, and the label bounds.
 */
import { describe, expect, it } from "vitest";
import {
  DeploymentLabels,
  MAX_LEARNED_DEPLOYMENTS,
  OTHER_LABEL,
  tenantLabel,
} from "../../../src/admin/bounded-labels.js";
import { ConcurrencyLimiter } from "../../../src/pipeline/limit-tenant/concurrency.js";
import { FixedWindowLimiter } from "../../../src/pipeline/limit-tenant/fixed-window.js";
import { compileText, configProblems } from "../../helpers/config.js";

const HASH = `sha256:${"a".repeat(64)}`;
const _FILE = "/etc/gw/gateway.yaml";

function config(tenantExtra = "", top = "", deployments = "") {
  return compileText(`upstreams:
  - name: primary
    endpoint: simulator
    auth: { type: api-key, apiKey: "" }
${deployments}
tenants:
  - id: vendor
    agencyType: commercial
    jurisdiction: US
    keys: ["${HASH}"]
${tenantExtra}
${top}`);
}

function problems(tenantExtra: string, top = ""): string[] {
  return configProblems(() => config(tenantExtra, top));
}

describe("config: tenant limits", () => {
  it("defaults to no concurrency cap and 60 what-if calls per minute", () => {
    const limits = config().tenants.get("vendor")!.limits;
    expect(limits.maxConcurrentRequests).toBeNull();
    expect(limits.whatIfPerMinute).toBe(60);
    expect(limits.customerMaxConcurrentRequests.size).toBe(0);
  });

  it("compiles tenant, customer and default limits, frozen", () => {
    const cfg = config(
      `    limits: { maxConcurrentRequests: 8 }
    customers:
      - { id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, limits: { maxConcurrentRequests: 2 } }
      - { id: hospital-7, agencyType: healthcare, jurisdiction: US-CA }`,
      "whatIf: { perTenantPerMinute: 10 }",
    );
    const limits = cfg.tenants.get("vendor")!.limits;
    expect(limits).toMatchObject({ maxConcurrentRequests: 8, whatIfPerMinute: 10 });
    expect([...limits.customerMaxConcurrentRequests]).toEqual([["city-pd", 2]]);
    expect(Object.isFrozen(limits)).toBe(true);
    const override = config(
      "    limits: { whatIfPerMinute: 5 }",
      "whatIf: { perTenantPerMinute: 10 }",
    );
    expect(override.tenants.get("vendor")!.limits.whatIfPerMinute).toBe(5);
  });

  it.each([
    ["an unknown key", "    limits: { maxConcurentRequests: 8 }", "", /limits/],
    ["a cap of 0", "    limits: { maxConcurrentRequests: 0 }", "", /maxConcurrentRequests/],
    ["a negative budget", "    limits: { whatIfPerMinute: -1 }", "", /whatIfPerMinute/],
    ["an unknown what-if key", "", "whatIf: { perMinute: 5 }", /whatIf/],
  ])("refuses %s", (_what, tenantExtra, top, pattern) => {
    expect(problems(tenantExtra, top).join("\n")).toMatch(pattern);
  });
});

describe("ConcurrencyLimiter", () => {
  it("refuses past the cap, frees on release, forgets keys at zero", () => {
    const seen: [string, number][] = [];
    const limiter = new ConcurrencyLimiter((k, n) => seen.push([k, n]));
    const keys = [{ key: "t", limit: 2 }];
    const a = limiter.acquire(keys);
    const b = limiter.acquire(keys);
    expect(a.ok && b.ok).toBe(true);
    expect(limiter.acquire(keys)).toEqual({ ok: false, key: "t", limit: 2 });
    if (!a.ok || !b.ok) throw new Error("unreachable");
    a.release();
    a.release(); // idempotent: cannot free b's slot
    expect(limiter.inflight("t")).toBe(1);
    b.release();
    expect(limiter.inflight("t")).toBe(0);
    expect(seen.at(-1)).toEqual(["t", 0]);
  });

  it("takes all keys or none: a customer at its cap takes no tenant slot", () => {
    const limiter = new ConcurrencyLimiter();
    const first = limiter.acquire([
      { key: "t", limit: 5 },
      { key: "c", limit: 1 },
    ]);
    expect(first.ok).toBe(true);
    const second = limiter.acquire([
      { key: "t", limit: 5 },
      { key: "c", limit: 1 },
    ]);
    expect(second).toEqual({ ok: false, key: "c", limit: 1 });
    expect(limiter.inflight("t")).toBe(1);
    expect(limiter.acquire([{ key: "t", limit: null }]).ok).toBe(true); // uncapped: counted only
    expect(limiter.inflight("t")).toBe(2);
  });
});

describe("FixedWindowLimiter", () => {
  it("allows `limit` calls per window, tells when it closes, and opens a new one after", () => {
    const w = new FixedWindowLimiter(60_000);
    expect(w.take("t", 2, 1000)).toEqual({ ok: true, remaining: 1 });
    expect(w.take("t", 2, 2000)).toEqual({ ok: true, remaining: 0 });
    expect(w.take("t", 2, 31_000)).toEqual({ ok: false, retryAfterMs: 30_000 });
    expect(w.take("other", 2, 31_000).ok).toBe(true); // keys are independent
    expect(w.take("t", 2, 61_000)).toEqual({ ok: true, remaining: 1 });
  });

  it("drops closed windows, so keys do not accumulate", () => {
    const w = new FixedWindowLimiter(1000);
    for (let i = 0; i < 50; i++) w.take(`k${i}`, 1, 0);
    w.take("late", 1, 5000);
    expect(w.size).toBe(1);
  });
});

describe("bounded labels", () => {
  const random = () => `d-${Math.random().toString(36).slice(2)}`;

  it("keeps only the deployments upstreams name, and `other`, when every upstream lists them", () => {
    const cfg = config("", "", "    deployments: [gpt-4o, gpt-4o-mini]");
    const labels = new DeploymentLabels();
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(labels.label(random(), cfg));
    seen.add(labels.label("gpt-4o", cfg));
    seen.add(labels.label("gpt-4o-mini", cfg));
    expect([...seen].sort()).toEqual(["gpt-4o", "gpt-4o-mini", OTHER_LABEL]);
  });

  it("learns the first names seen, then says `other`, when an upstream serves every deployment", () => {
    const cfg = config();
    const labels = new DeploymentLabels();
    const names = Array.from({ length: 100 }, random);
    const seen = new Set(names.map((n) => labels.label(n, cfg)));
    expect(seen.size).toBe(MAX_LEARNED_DEPLOYMENTS + 1);
    expect(seen.has(OTHER_LABEL)).toBe(true);
    expect(labels.label(names[0]!, cfg)).toBe(names[0]); // a learned name keeps its label
    expect(labels.label(null, cfg)).toBe("-");
  });

  it("gives the tenant label only to configured tenant ids", () => {
    const cfg = config();
    expect(tenantLabel("vendor", cfg)).toBe("vendor");
    expect(tenantLabel("made-up", cfg)).toBe("-");
    expect(tenantLabel(null, cfg)).toBe("-");
  });
});
