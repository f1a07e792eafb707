/** Judging one request as several agencies: a vendor that names no customer (docs/policy.md). */
import { describe, expect, it } from "vitest";
import { compilePolicyEngine } from "../../../src/pipeline/evaluate-policy/index.js";
import { judgeAs } from "../../../src/pipeline/evaluate-policy/judge.js";
import { agency, defaultPack, defaultPackSources, facts, ids } from "./helpers.js";

const vendor = agency({ id: "vendor-1", agencyType: "commercial", country: "US" });
const police = agency({
  id: "city-pd",
  agencyType: "law-enforcement",
  country: "US",
  subdivision: "US-CA",
  vendorType: "commercial",
});
const hospital = agency({
  id: "hospital-7",
  agencyType: "healthcare",
  country: "US",
  vendorType: "commercial",
});
const everyone = [vendor, police, hospital];

const identify = facts({ purposes: ["facial-identification"], capture: "recorded" });
const identifyLive = facts({ purposes: ["facial-identification"], capture: "live" });
const describeScene = facts({ purposes: ["scene-description"] });

describe("judgeAs", () => {
  it("returns the engine's own decision for a single agency", () => {
    const engine = defaultPack();
    const { decision, decidedAs } = judgeAs(engine, [police], identify, {});
    expect(decision.decision).toBe("deny");
    expect(ids(decision.policies)).toEqual(["us-law-enforcement-no-facial-recognition"]);
    expect(decidedAs).toBe(police);
  });

  it("denies recognition a commercial vendor alone could do, because one customer is US police", () => {
    const engine = defaultPack();
    expect(judgeAs(engine, [vendor], identify, {}).decision.decision).toBe("allow");
    const { decision, decidedAs } = judgeAs(engine, everyone, identify, {});
    expect(decision.decision).toBe("deny");
    expect(ids(decision.policies)).toEqual(["us-law-enforcement-no-facial-recognition"]);
    expect(decidedAs).toBe(police);
  });

  it("allows what every agency may do, with the tenant's own permits and the tenant as decisive", () => {
    const { decision, decidedAs } = judgeAs(defaultPack(), everyone, describeScene, {});
    expect(decision.decision).toBe("allow");
    expect(ids(decision.policies)).toEqual(["no-facial-recognition"]);
    expect(decidedAs).toBe(vendor);
  });

  it("lists the forbids of every denying agency, the first denying agency decisive", () => {
    const { decision, decidedAs } = judgeAs(defaultPack(), everyone, identifyLive, {});
    expect(decision.decision).toBe("deny");
    expect(ids(decision.policies)).toEqual([
      "no-live-identification-without-consent",
      "us-law-enforcement-no-facial-recognition",
    ]);
    expect(decidedAs).toBe(vendor);
  });

  it("keeps dry-run: a deny for any customer becomes shadow-deny with that customer's forbids", () => {
    const { decision, decidedAs } = judgeAs(defaultPack(), everyone, identify, { dryRun: true });
    expect(decision.decision).toBe("shadow-deny");
    expect(decision.dryRun).toBe(true);
    expect(ids(decision.policies)).toEqual(["us-law-enforcement-no-facial-recognition"]);
    expect(decidedAs).toBe(police);
  });

  it("keeps shadow policies: a shadow forbid matching only for a customer makes a shadow-deny", () => {
    const sources = defaultPackSources();
    sources.policies.push({
      path: "shadow.cedar",
      text: `@id("shadow-no-healthcare-analysis") @reason("trial") @mode("shadow")
forbid (principal, action, resource) when { principal.agencyType == "healthcare" };`,
    });
    const engine = compilePolicyEngine(sources);
    const { decision, decidedAs } = judgeAs(engine, everyone, describeScene, {});
    expect(decision.decision).toBe("shadow-deny");
    expect(ids(decision.policies)).toEqual(["shadow-no-healthcare-analysis"]);
    expect(ids(decision.shadowPolicies)).toEqual(["shadow-no-healthcare-analysis"]);
    expect(decidedAs).toBe(hospital);
    // An enforced deny for another agency still wins over the shadow-deny.
    expect(judgeAs(engine, everyone, identify, {}).decision.decision).toBe("deny");
  });

  it("fails closed when one agency's evaluation errors, listing evaluation-error first", () => {
    const sources = defaultPackSources();
    sources.policies.push({
      path: "overflow.cedar",
      text: `@id("overflow") @reason("errors for police only")
forbid (principal, action, resource)
when { principal.agencyType == "law-enforcement" && context.imageCount * 9223372036854775807 < 0 };`,
    });
    const engine = compilePolicyEngine(sources);
    const twoImages = facts({ purposes: ["facial-identification"], images: 2, capture: "live" });
    const { decision } = judgeAs(engine, everyone, twoImages, { dryRun: true });
    expect(decision.decision).toBe("deny"); // an error stays a deny, even in dry-run
    expect(decision.policies[0]?.id).toBe("evaluation-error");
    expect(decision.errors.length).toBeGreaterThan(0);
  });

  it("costs a memo hit per agency once the request has been seen", () => {
    const engine = compilePolicyEngine(defaultPackSources());
    const scene = facts({ purposes: ["scene-description"], deployment: "judge-memo" });
    expect(judgeAs(engine, everyone, scene, {}).decision.memoHit).toBe(false);
    const before = engine.memoStats();
    const again = judgeAs(engine, everyone, scene, {});
    expect(again.decision.memoHit).toBe(true);
    expect(engine.memoStats().hits - before.hits).toBe(3);
    expect(engine.memoStats().misses).toBe(before.misses);
  });

  it("refuses an empty list rather than deciding on no agency", () => {
    expect(() => judgeAs(defaultPack(), [], describeScene, {})).toThrow(/at least one agency/);
  });
});
