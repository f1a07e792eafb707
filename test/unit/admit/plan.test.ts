/**
 * Admission plans (pipeline/admit/plan.ts): what one request asks of the shared store. Frames
 * only read for what-if; requests and tokens for the tenant and the customer it acts for; tokens
 * only for operations that spend them; fleet leases only with a shared store; nothing at all for a
 * request that needs no shared state (no store call).
 */
import { describe, expect, it } from "vitest";
import type { TenantLimits } from "../../../src/config/compile.js";
import type { RuntimeTenant } from "../../../src/config/index.js";
import {
  needsTokenEstimate,
  planAdmission,
  TOKEN_OPERATIONS,
} from "../../../src/pipeline/admit/plan.js";
import type { PendingCapture } from "../../../src/pipeline/classify-request/capture.js";

function tenant(limits: Partial<TenantLimits>): RuntimeTenant {
  return {
    id: "vendor",
    limits: {
      maxConcurrentRequests: null,
      customerMaxConcurrentRequests: new Map(),
      whatIfPerMinute: 60,
      requestsPerMinute: null,
      tokensPerMinute: null,
      customerRates: new Map(),
      ...limits,
    },
  } as unknown as RuntimeTenant;
}

const pending: PendingCapture = {
  declared: "recorded",
  operation: "chat.completions",
  windows: [
    { key: "camera:cam-1", frames: 1 },
    { key: "agency:city-pd", frames: 1 },
  ],
  capturedAt: [],
  now: 0,
  liveFrameRate: { frames: 5, withinMs: 10_000 },
  exifLiveMaxAgeMs: 120_000,
  whatIf: false,
};

const base = {
  customerId: undefined,
  requestId: "r1",
  now: 1000,
  whatIf: false,
  pendingCapture: undefined,
  tokens: 1234,
  fleetLeases: false,
  leaseTtlMs: 60_000,
};

describe("planAdmission", () => {
  it("asks nothing of the store for a tenant without limits and a request without windows", () => {
    expect(planAdmission({ ...base, tenant: tenant({}) })).toBeUndefined();
  });

  it("records the request's frame windows, and only reads them for what-if", () => {
    const plan = planAdmission({ ...base, tenant: tenant({}), pendingCapture: pending })!;
    expect(plan.request.frames).toEqual([
      { key: "camera:cam-1", frames: 1, withinMs: 10_000, record: true },
      { key: "agency:city-pd", frames: 1, withinMs: 10_000, record: true },
    ]);
    const whatIf = planAdmission({
      ...base,
      tenant: tenant({ requestsPerMinute: 10, maxConcurrentRequests: 2 }),
      pendingCapture: pending,
      whatIf: true,
      fleetLeases: true,
    })!;
    expect(whatIf.request.frames.every((f) => !f.record)).toBe(true);
    // What-if spends neither limits nor leases.
    expect([whatIf.request.rates, whatIf.request.leases]).toEqual([[], []]);
  });

  it("spends the tenant's and the customer's requests and tokens", () => {
    const plan = planAdmission({
      ...base,
      tenant: tenant({
        requestsPerMinute: 600,
        tokensPerMinute: 90_000,
        customerRates: new Map([["city-pd", { requestsPerMinute: null, tokensPerMinute: 5_000 }]]),
      }),
      customerId: "city-pd",
    })!;
    expect(plan.request.scope).toBe("vendor");
    expect(plan.request.rates).toEqual([
      { key: "rpm", perMinute: 600, cost: 1 },
      { key: "tpm", perMinute: 90_000, cost: 1234 },
      { key: "c:city-pd:tpm", perMinute: 5_000, cost: 1234 },
    ]);
    expect(plan.rates.map((r) => r.who)).toEqual([
      "tenant `vendor`",
      "tenant `vendor`",
      "customer `city-pd`",
    ]);
  });

  it("spends only the request when the operation spends no tokens", () => {
    const plan = planAdmission({
      ...base,
      tenant: tenant({ requestsPerMinute: 600, tokensPerMinute: 90_000 }),
      tokens: undefined,
    })!;
    expect(plan.request.rates).toEqual([{ key: "rpm", perMinute: 600, cost: 1 }]);
  });

  it("takes fleet leases only with a shared store, for tenant and customer", () => {
    const limits = {
      maxConcurrentRequests: 8,
      customerMaxConcurrentRequests: new Map([["city-pd", 2]]),
    };
    expect(
      planAdmission({ ...base, tenant: tenant(limits), customerId: "city-pd" }),
    ).toBeUndefined();
    const plan = planAdmission({
      ...base,
      tenant: tenant(limits),
      customerId: "city-pd",
      fleetLeases: true,
    })!;
    expect(plan.request.leases).toEqual([
      { key: "inflight", limit: 8, ttlMs: 60_000 },
      { key: "c:city-pd:inflight", limit: 2, ttlMs: 60_000 },
    ]);
  });
});

describe("needsTokenEstimate", () => {
  it("is true only when a token limit applies to the tenant or the customer acted for", () => {
    const customer = tenant({
      customerRates: new Map([["city-pd", { requestsPerMinute: 5, tokensPerMinute: null }]]),
    });
    expect(needsTokenEstimate(customer, "city-pd")).toBe(false);
    expect(needsTokenEstimate(tenant({ tokensPerMinute: 1 }), undefined)).toBe(true);
    const tpm = tenant({
      customerRates: new Map([["city-pd", { requestsPerMinute: null, tokensPerMinute: 9 }]]),
    });
    expect(needsTokenEstimate(tpm, "city-pd")).toBe(true);
    expect(needsTokenEstimate(tpm, undefined)).toBe(false);
  });

  it("meters generation and embeddings, not stored-object management", () => {
    expect([...TOKEN_OPERATIONS].sort()).toEqual([
      "chat.completions",
      "completions",
      "embeddings",
      "responses",
    ]);
  });
});
