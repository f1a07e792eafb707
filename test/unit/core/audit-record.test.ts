import { describe, expect, it } from "vitest";
import type { RuntimeConfig, RuntimeTenant } from "../../../src/config/index.js";
import { GatewayHttpError } from "../../../src/errors.js";
import { auditRecord } from "../../../src/pipeline/audit/record.js";
import type { RequestFacts } from "../../../src/pipeline/classify-request/facts.js";
import type { RequestContext } from "../../../src/pipeline/context.js";
import type { Decision } from "../../../src/pipeline/evaluate-policy/index.js";
import type { ProxyOutcome } from "../../../src/pipeline/forward/proxy.js";
import type { Agency } from "../../../src/pipeline/identify-tenant/agency.js";
import type { Generation } from "../../../src/runtime/generation.js";

const PROMPT = "Who is the man in this photo? His name is John Q. Secret";
const TENANT_KEY = "demo-metro-pd-key-do-not-log";
const IMAGE_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB";

const vendorAgency: Agency = {
  id: "evidence-cloud",
  tenantId: "evidence-cloud",
  agencyType: "commercial",
  jurisdiction: { country: "US" },
  consentAttested: false,
  tenantAgencyType: "commercial",
};
const cityPd: Agency = {
  id: "city-pd",
  tenantId: "evidence-cloud",
  onBehalfOf: "city-pd",
  agencyType: "law-enforcement",
  jurisdiction: { country: "US", subdivision: "US-CA" },
  consentAttested: false,
  tenantAgencyType: "commercial",
};
const tenant: RuntimeTenant = {
  id: "evidence-cloud",
  name: "Evidence Cloud",
  agency: vendorAgency,
  customers: new Map([["city-pd", cityPd]]),
  camera: { default: undefined, environment: undefined, declaredAllowed: true },
  userSecurityContext: false,
  entraTenantIds: { tenant: undefined, customers: new Map() },
  externalObjectsAllowed: false,
  webrtcAllowed: false,
  limits: {
    maxConcurrentRequests: null,
    customerMaxConcurrentRequests: new Map(),
    whatIfPerMinute: 60,
    requestsPerMinute: null,
    tokensPerMinute: null,
    customerRates: new Map(),
  },
};

const GENERATION_REVISION = "1111222233334444";

function generation(
  mode: "enforce" | "dry-run" = "enforce",
  revision = GENERATION_REVISION,
): Generation {
  return {
    id: 1,
    config: { mode } as RuntimeConfig,
    policy: { revision },
  } as unknown as Generation;
}

function baseContext(over: Partial<RequestContext> = {}): RequestContext {
  return {
    decisionId: "dec-1",
    time: "2025-01-01T00:00:00.000Z",
    startedAt: 1000,
    generation: generation(),
    path: "/openai/deployments/gpt-4o/chat/completions",
    query: "?api-version=2024-10-21",
    route: { operation: "chat.completions", deployment: "gpt-4o", family: "classic" },
    whatIf: false,
    bytesIn: 0,
    audited: false,
    pinned: false,
    ...over,
  };
}

/** Facts that carry evidence, images and camera data, plus text smuggled in where it should not be. */
function facts(): RequestFacts {
  const f: RequestFacts = {
    operation: "chat.completions",
    deployment: "gpt-4o",
    stream: true,
    images: {
      count: 2,
      bytes: 4096,
      origins: ["inline", "url"],
      items: [
        {
          origin: "inline",
          format: "jpeg",
          bytes: 4096,
          where: "messages[1].content[1]",
          exif: { make: "Axon", model: "Body 4", source: "body-worn", catalogueId: "axon-body" },
        },
        { origin: "url", format: "unknown", bytes: 0, where: "messages[1].content[2]" },
      ],
    },
    camera: {
      source: "body-worn",
      mobility: "mobile",
      environment: "unknown",
      origin: { source: "exif", environment: "none" },
      exif: { make: "Axon", model: "Body 4" },
      conflicts: ["camera source: exif `body-worn` vs declared `fixed`"],
    },
    capture: "live",
    captureOrigin: "frame-rate",
    purposes: ["facial-identification"],
    evidence: [
      {
        purpose: "facial-identification",
        rule: "fid.en.who-is",
        where: "messages[1].content[0]",
        normalised: ["leetspeak"],
      },
    ],
    unseen: [],
    recognitionConfidence: "none",
  };
  // What a careless classifier might leave on the facts: none of it may reach the audit.
  Object.assign(f, {
    texts: [{ where: "messages[1].content[0]", text: PROMPT }],
    body: { messages: [{ role: "user", content: PROMPT }], image: IMAGE_B64 },
  });
  Object.assign(f.evidence[0]!, { text: PROMPT, match: "who is" });
  Object.assign(f.images.items[0]!, { data: IMAGE_B64 });
  return f;
}

const decision: Decision = {
  decision: "deny",
  policies: [
    { id: "rule-1", reason: PROMPT, effect: "forbid", mode: "enforce" },
    { id: "rule-2", reason: "live mobile", effect: "forbid", mode: "enforce" },
  ],
  errors: [],
  shadowPolicies: [],
  shadowErrors: [],
  dryRun: false,
  revision: "0123456789abcdef",
  memoHit: false,
  durationUs: 120,
};

const proxy: ProxyOutcome = {
  upstreamStatus: 200,
  upstreamTtfbMs: 12.34567,
  bytesOut: 2048,
  chunks: 3,
  usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120 },
  failure: undefined,
  clientAborted: false,
  midStreamError: undefined,
};

describe("auditRecord", () => {
  it("records every field of docs/audit.md for a full request", () => {
    const ctx = baseContext({
      tenant,
      agency: cityPd,
      facts: facts(),
      decision,
      policyMs: 1.23456,
      bytesIn: 5000,
      upstreamName: "primary",
      proxy,
      generation: generation("enforce", "ffffffffffffffff"),
    });
    const record = auditRecord(
      ctx,
      "POST",
      "/openai/deployments/gpt-4o/chat/completions",
      200,
      1042.5,
    );
    expect(record).toEqual({
      decisionId: "dec-1",
      requestTime: "2025-01-01T00:00:00.000Z",
      tenant: "evidence-cloud",
      agency: "city-pd",
      agencyType: "law-enforcement",
      attempts: [{ upstream: "primary", status: 200, ms: 12.346 }],
      jurisdiction: "US-CA",
      onBehalfOf: "city-pd",
      method: "POST",
      path: "/openai/deployments/gpt-4o/chat/completions",
      operation: "chat.completions",
      deployment: "gpt-4o",
      upstream: "primary",
      stream: true,
      images: { count: 2, bytes: 4096, origins: ["inline", "url"] },
      camera: {
        source: "body-worn",
        mobility: "mobile",
        environment: "unknown",
        origin: { source: "exif", environment: "none" },
        exif: { make: "Axon", model: "Body 4" },
        conflicts: ["camera source: exif `body-worn` vs declared `fixed`"],
      },
      capture: { value: "live", origin: "frame-rate" },
      purposes: ["facial-identification"],
      evidence: ["facial-identification:fid.en.who-is@messages[1].content[0]"],
      decision: "deny",
      mode: "enforce",
      policies: ["rule-1", "rule-2"],
      // The decision's revision is the one the request was judged by.
      policyRevision: "0123456789abcdef",
      status: 200,
      upstreamStatus: 200,
      latencyMs: { total: 42.5, policy: 1.235, upstreamTtfb: 12.346 },
      usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120 },
      bytesIn: 5000,
      bytesOut: 2048,
    });
  });

  it("never contains prompt text, image bytes or keys, even if the facts carry them", () => {
    const ctx = baseContext({
      tenant,
      agency: cityPd,
      facts: facts(),
      decision,
      error: new GatewayHttpError("PolicyViolation", `denied: ${PROMPT}`, {
        innererror: { prompt: PROMPT },
      }),
      proxy: { ...proxy, midStreamError: "UpstreamUnavailable" },
    });
    Object.assign(ctx, { headers: { "api-key": TENANT_KEY }, body: { messages: [PROMPT] } });
    const text = JSON.stringify(auditRecord(ctx, "POST", "/openai/v1/chat/completions", 403, 2000));
    expect(text).not.toContain("John Q. Secret");
    expect(text).not.toContain("who is");
    expect(text).not.toContain(IMAGE_B64);
    expect(text).not.toContain(TENANT_KEY);
    expect(text).toContain('"error":"PolicyViolation"');
  });

  it("records an early failure (no tenant, no facts) with the route's operation", () => {
    const ctx = baseContext({
      error: new GatewayHttpError("GatewayAuthenticationFailed", "missing key"),
      route: { operation: "embeddings", deployment: "ada", family: "classic" },
      generation: generation("dry-run"),
    });
    const record = auditRecord(ctx, "POST", "/openai/deployments/ada/embeddings", 401, 1003);
    expect(record).toEqual({
      decisionId: "dec-1",
      requestTime: "2025-01-01T00:00:00.000Z",
      tenant: null,
      agency: null,
      agencyType: null,
      jurisdiction: null,
      method: "POST",
      path: "/openai/deployments/ada/embeddings",
      operation: "embeddings",
      deployment: "ada",
      upstream: null,
      stream: false,
      decision: "none",
      mode: "dry-run",
      policyRevision: GENERATION_REVISION,
      status: 401,
      error: "GatewayAuthenticationFailed",
      latencyMs: { total: 3 },
      bytesIn: 0,
      bytesOut: 0,
    });
  });

  it.each([
    ["a country-level jurisdiction", vendorAgency, "US"],
    ["a subdivision", cityPd, "US-CA"],
  ])("records %s", (_what, agency, jurisdiction) => {
    const record = auditRecord(baseContext({ tenant, agency }), "GET", "/openai/models", 200, 1000);
    expect(record.jurisdiction).toBe(jurisdiction);
    expect("onBehalfOf" in record).toBe(agency.onBehalfOf !== undefined);
  });

  it("marks what-if calls, client aborts and mid-stream upstream errors", () => {
    const record = auditRecord(
      baseContext({
        whatIf: true,
        proxy: { ...proxy, clientAborted: true, midStreamError: "UpstreamUnavailable" },
      }),
      "POST",
      "/_gateway/evaluate/openai/responses",
      200,
      1000,
    );
    expect(record.whatIf).toBe(true);
    expect(record.clientAborted).toBe(true);
    expect(record.upstreamError).toBe("UpstreamUnavailable");
  });

  it("leaves out image and camera details it does not have", () => {
    const f = facts();
    f.images = { count: 0, bytes: 0, origins: [], items: [] };
    f.camera = {
      source: "unknown",
      mobility: "unknown",
      environment: "unknown",
      origin: { source: "none", environment: "none" },
      conflicts: [],
    };
    const record = auditRecord(baseContext({ facts: f }), "POST", "/openai/responses", 200, 1000);
    expect(record).not.toHaveProperty("images");
    expect(record.camera).toEqual({
      source: "unknown",
      mobility: "unknown",
      environment: "unknown",
      origin: { source: "none", environment: "none" },
    });
    expect(record).not.toHaveProperty("usage");
    expect(record).not.toHaveProperty("upstreamStatus");
  });

  // BUG: a request the client abandons before it is classified (e.g. mid-upload: no facts, no
  // decision, no coded error) is recorded with `decision: "allow"`, as if the policy had allowed
  // it; the metrics count it as an allow too. Only an error yields `none`.
  it("does not record a request abandoned before its decision as allowed", () => {
    const ctx = baseContext({ tenant, agency: vendorAgency, bytesIn: 1024 });
    expect(auditRecord(ctx, "POST", "/openai/responses", 499, 1000).decision).not.toBe("allow");
  });

  it("uses the generation's policy revision when no decision was made", () => {
    const ctx = baseContext({ generation: generation("enforce", "aaaaaaaaaaaaaaaa") });
    expect(auditRecord(ctx, "GET", "/openai/models", 200, 1000).policyRevision).toBe(
      "aaaaaaaaaaaaaaaa",
    );
  });

  it("cuts very long paths", () => {
    const path = `/openai/deployments/${"d".repeat(1000)}/chat/completions`;
    const record = auditRecord(baseContext(), "POST", path, 404, 1000);
    expect(record.path).toBe(`${path.slice(0, 512)}…`);
  });
});
