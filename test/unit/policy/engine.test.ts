/** The engine's decision rules, memo, shadow mode, dry-run, fail-closed errors and revision. */
import { describe, expect, it } from "vitest";
import {
  compilePolicyEngine,
  type PolicyEngine,
  type PolicySources,
} from "../../../src/pipeline/evaluate-policy/index.js";
import { agency, defaultPackSources, facts, ids } from "./helpers.js";

const SCHEMA = defaultPackSources().schema;

function sources(files: Record<string, string>): PolicySources {
  return {
    schema: SCHEMA,
    policies: Object.entries(files).map(([path, text]) => ({ path, text })),
  };
}

function engine(files: Record<string, string>, memoSize?: number): PolicyEngine {
  return compilePolicyEngine(sources(files), memoSize === undefined ? {} : { memoSize });
}

const PERMIT_ALL = `@id("permit-all") @reason("everything is allowed")
permit (principal, action, resource);`;
const FORBID_RECOGNITION = `@id("no-recognition") @reason("recognition is refused")
forbid (principal, action, resource) when { context.recognition };`;
const SHADOW_FORBID_RECOGNITION = `@id("shadow-no-recognition") @reason("recognition would be refused")
@mode("shadow")
forbid (principal, action, resource) when { context.recognition };`;
// Valid under the schema, but overflows at run time when the request carries 2 or more images.
const OVERFLOW = `@id("overflow") @reason("errors at run time")
forbid (principal, action, resource) when { context.imageCount * 9223372036854775807 < 0 };`;

const who = agency({ agencyType: "commercial", country: "DE" });
const identify = { agency: who, facts: facts({ purposes: ["facial-identification"] }) };
const describeScene = { agency: who, facts: facts({ purposes: ["scene-description"] }) };

describe("decisions", () => {
  it("allows with the permits that matched", () => {
    const d = engine({ "a.cedar": PERMIT_ALL }).evaluate(describeScene);
    expect(d).toMatchObject({ decision: "allow", errors: [], shadowPolicies: [], dryRun: false });
    expect(d.policies).toEqual([
      { id: "permit-all", reason: "everything is allowed", effect: "permit", mode: "enforce" },
    ]);
  });

  it("denies with the forbids that matched, not the permits", () => {
    const d = engine({ "a.cedar": PERMIT_ALL, "b.cedar": FORBID_RECOGNITION }).evaluate(identify);
    expect(d.decision).toBe("deny");
    expect(ids(d.policies)).toEqual(["no-recognition"]);
  });

  it("denies with the synthetic default-deny when no permit matches", () => {
    const d = engine({ "b.cedar": FORBID_RECOGNITION }).evaluate(describeScene);
    expect(d.decision).toBe("deny");
    expect(d.policies).toEqual([
      {
        id: "default-deny",
        reason: "no policy permits this request",
        effect: "forbid",
        mode: "enforce",
      },
    ]);
  });

  it("sees the principal and resource ids", () => {
    const e = engine({
      "a.cedar": `@id("only-gpt") @reason("r")
permit (principal == Agency::"agency-1", action == Action::"analyzeImage", resource == Deployment::"gpt-4o");`,
    });
    expect(e.evaluate(describeScene).decision).toBe("allow");
    expect(
      e.evaluate({ agency: who, facts: facts({ deployment: "other", purposes: [] }) }).decision,
    ).toBe("deny");
    expect(e.evaluate({ agency: who, facts: facts({ images: 0 }) }).decision).toBe("deny");
  });

  it("exposes revision, policy count and policy list", () => {
    const e = engine({ "a.cedar": PERMIT_ALL, "b.cedar": SHADOW_FORBID_RECOGNITION });
    expect(e.policyCount).toBe(2);
    expect(e.policies.map((p) => [p.id, p.mode, p.source])).toEqual([
      ["permit-all", "enforce", "a.cedar:1:1"],
      ["shadow-no-recognition", "shadow", "b.cedar:1:1"],
    ]);
    expect(e.revision).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("fail closed", () => {
  const e = engine({ "a.cedar": PERMIT_ALL, "b.cedar": OVERFLOW });

  it("denies on an evaluation error, naming the policy and the error", () => {
    const d = e.evaluate({ agency: who, facts: facts({ images: 2 }) });
    expect(d.decision).toBe("deny");
    expect(d.policies[0]?.id).toBe("evaluation-error");
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toMatch(/^policy overflow: integer overflow/);
  });

  it("evaluates normally when the same policy does not error", () => {
    expect(e.evaluate({ agency: who, facts: facts({ images: 1 }) }).decision).toBe("allow");
  });

  it("does not memoise a decision that failed closed", () => {
    const input = { agency: who, facts: facts({ images: 3 }) };
    expect(e.evaluate(input).memoHit).toBe(false);
    expect(e.evaluate(input).memoHit).toBe(false);
  });

  it("stays a deny under dry-run", () => {
    const d = e.evaluate({ agency: who, facts: facts({ images: 2 }) }, { dryRun: true });
    expect(d.decision).toBe("deny");
    expect(d.dryRun).toBe(true);
  });

  it("denies when the input itself cannot be evaluated", () => {
    const broken = { agency: who, facts: { ...facts(), images: undefined } } as never;
    const d = e.evaluate(broken);
    expect(d.decision).toBe("deny");
    expect(d.policies[0]?.id).toBe("evaluation-error");
    expect(d.errors[0]).toMatch(/^evaluation failed: /);
  });
});

describe("shadow mode", () => {
  it("turns an allow into shadow-deny, listing the shadow forbids", () => {
    const d = engine({ "a.cedar": PERMIT_ALL, "s.cedar": SHADOW_FORBID_RECOGNITION }).evaluate(
      identify,
    );
    expect(d.decision).toBe("shadow-deny");
    expect(d.policies).toEqual([
      {
        id: "shadow-no-recognition",
        reason: "recognition would be refused",
        effect: "forbid",
        mode: "shadow",
      },
    ]);
    expect(ids(d.shadowPolicies)).toEqual(["shadow-no-recognition"]);
  });

  it("never turns an allow into a deny", () => {
    const d = engine({ "a.cedar": PERMIT_ALL, "s.cedar": SHADOW_FORBID_RECOGNITION }).evaluate(
      describeScene,
    );
    expect(d.decision).toBe("allow");
    expect(d.shadowPolicies).toEqual([]);
  });

  it("keeps an enforced deny a deny, recording the shadow forbids aside", () => {
    const d = engine({
      "a.cedar": PERMIT_ALL,
      "b.cedar": FORBID_RECOGNITION,
      "s.cedar": SHADOW_FORBID_RECOGNITION,
    }).evaluate(identify);
    expect(d.decision).toBe("deny");
    expect(ids(d.policies)).toEqual(["no-recognition"]);
    expect(ids(d.shadowPolicies)).toEqual(["shadow-no-recognition"]);
  });

  it("does not let shadow policies satisfy the default deny", () => {
    const d = engine({ "s.cedar": SHADOW_FORBID_RECOGNITION }).evaluate(describeScene);
    expect(d.decision).toBe("deny");
    expect(ids(d.policies)).toEqual(["default-deny"]);
  });

  it("records shadow errors without failing closed", () => {
    const shadowOverflow = OVERFLOW.replace('@id("overflow")', '@id("overflow") @mode("shadow")');
    const d = engine({ "a.cedar": PERMIT_ALL, "s.cedar": shadowOverflow }).evaluate({
      agency: who,
      facts: facts({ images: 2 }),
    });
    expect(d.decision).toBe("allow");
    expect(d.errors).toEqual([]);
    expect(d.shadowErrors[0]).toMatch(/^policy overflow: integer overflow/);
  });
});

describe("dry-run", () => {
  const e = engine({ "a.cedar": PERMIT_ALL, "b.cedar": FORBID_RECOGNITION });

  it("turns an enforced deny into shadow-deny and keeps its policies", () => {
    const d = e.evaluate(identify, { dryRun: true });
    expect(d.decision).toBe("shadow-deny");
    expect(d.dryRun).toBe(true);
    expect(ids(d.policies)).toEqual(["no-recognition"]);
  });

  it("turns a default deny into shadow-deny too", () => {
    const d = engine({ "b.cedar": FORBID_RECOGNITION }).evaluate(describeScene, { dryRun: true });
    expect(d.decision).toBe("shadow-deny");
    expect(ids(d.policies)).toEqual(["default-deny"]);
  });

  it("leaves an allow an allow", () => {
    expect(e.evaluate(describeScene, { dryRun: true }).decision).toBe("allow");
  });

  it("shares the memo with enforced evaluation without mixing the outcomes", () => {
    const f = engine({ "a.cedar": PERMIT_ALL, "b.cedar": FORBID_RECOGNITION });
    expect(f.evaluate(identify, { dryRun: true }).decision).toBe("shadow-deny");
    const enforced = f.evaluate(identify);
    expect(enforced.memoHit).toBe(true);
    expect(enforced.decision).toBe("deny");
  });
});

describe("memo", () => {
  it("hits on the same facts and misses on different ones", () => {
    const e = engine({ "a.cedar": PERMIT_ALL, "b.cedar": FORBID_RECOGNITION });
    const first = e.evaluate(identify);
    const second = e.evaluate({
      agency: agency({ agencyType: "commercial", country: "DE" }),
      facts: facts({ purposes: ["facial-identification"] }),
    });
    expect(first.memoHit).toBe(false);
    expect(second.memoHit).toBe(true);
    expect(second.decision).toBe(first.decision);
    expect(second.policies).toEqual(first.policies);
    expect(second.durationUs).toBeGreaterThanOrEqual(0);
    expect(e.evaluate(describeScene).memoHit).toBe(false);
    expect(e.memoStats()).toMatchObject({ size: 2, capacity: 10_000, hits: 1, misses: 2 });
  });

  it("treats purposes and image origins as sets", () => {
    const e = engine({ "a.cedar": PERMIT_ALL });
    const a = facts({ purposes: ["text-extraction", "scene-description"] });
    const b = facts({ purposes: ["scene-description", "text-extraction", "scene-description"] });
    e.evaluate({ agency: who, facts: a });
    expect(e.evaluate({ agency: who, facts: b }).memoHit).toBe(true);
  });

  it("keys on everything a policy can see", () => {
    const e = engine({ "a.cedar": PERMIT_ALL });
    e.evaluate(describeScene);
    const variants = [
      { agency: agency({ id: "other" }), facts: facts({ purposes: ["scene-description"] }) },
      { agency: agency({ consentAttested: true, country: "DE" }), facts: describeScene.facts },
      { agency: agency({ country: "DE", vendorType: "commercial" }), facts: describeScene.facts },
      { agency: who, facts: facts({ purposes: ["scene-description"], deployment: "x" }) },
      { agency: who, facts: facts({ purposes: ["scene-description"], images: 0 }) },
      { agency: who, facts: facts({ purposes: ["scene-description"], stream: true }) },
      { agency: who, facts: facts({ purposes: ["scene-description"], capture: "live" }) },
      { agency: who, facts: facts({ purposes: ["scene-description"], environment: "controlled" }) },
      { agency: who, facts: facts({ purposes: ["scene-description"], source: "fixed" }) },
    ];
    for (const input of variants) expect(e.evaluate(input).memoHit).toBe(false);
  });

  it("is bounded, evicting the oldest entry first", () => {
    const e = engine({ "a.cedar": PERMIT_ALL }, 2);
    const a = { agency: agency({ id: "a" }), facts: facts() };
    const b = { agency: agency({ id: "b" }), facts: facts() };
    const c = { agency: agency({ id: "c" }), facts: facts() };
    e.evaluate(a);
    e.evaluate(b);
    expect(e.evaluate(a).memoHit).toBe(true); // a hit does not reorder (no LRU bookkeeping)
    e.evaluate(c); // evicts a, the oldest
    expect(e.memoStats().size).toBe(2);
    expect(e.evaluate(b).memoHit).toBe(true);
    expect(e.evaluate(c).memoHit).toBe(true);
    expect(e.evaluate(a).memoHit).toBe(false);
  });

  it("can be disabled", () => {
    const e = engine({ "a.cedar": PERMIT_ALL }, 0);
    e.evaluate(describeScene);
    expect(e.evaluate(describeScene).memoHit).toBe(false);
  });

  it("starts empty in a newly compiled engine (reload)", () => {
    const files = { "a.cedar": PERMIT_ALL };
    const before = engine(files);
    before.evaluate(describeScene);
    expect(before.evaluate(describeScene).memoHit).toBe(true);
    const after = engine(files);
    expect(after.evaluate(describeScene).memoHit).toBe(false);
  });

  it("shares frozen memoised lists: mutating a decision throws and cannot change the next one", () => {
    const e = engine({ "a.cedar": PERMIT_ALL });
    e.evaluate(describeScene);
    const hit = e.evaluate(describeScene);
    expect(() => {
      (hit.policies as unknown[]).length = 0;
    }).toThrow(TypeError);
    expect(e.evaluate(describeScene).policies).toHaveLength(1);
  });
});

describe("revision", () => {
  it("is stable for the same texts, whatever the directory they were read from", () => {
    const a = engine({ "/x/a.cedar": PERMIT_ALL, "/x/b.cedar": FORBID_RECOGNITION });
    const b = engine({ "/y/a.cedar": PERMIT_ALL, "/y/b.cedar": FORBID_RECOGNITION });
    expect(a.revision).toBe(b.revision);
    expect(a.evaluate(describeScene).revision).toBe(a.revision);
  });

  it("changes when a policy or the schema changes", () => {
    const a = engine({ "a.cedar": PERMIT_ALL });
    const b = engine({ "a.cedar": PERMIT_ALL.replace("everything", "all") });
    expect(a.revision).not.toBe(b.revision);
    const c = compilePolicyEngine({
      schema: { ...SCHEMA, text: `${SCHEMA.text}\n// a comment\n` },
      policies: [{ path: "a.cedar", text: PERMIT_ALL }],
    });
    expect(c.revision).not.toBe(a.revision);
  });
});
