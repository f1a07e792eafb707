/**
 * A reload that leaves the policy files as they were reuses the prepared set (prepared-set.ts),
 * and the one validation of all files together gives the same answers as validating each.
 */
import { describe, expect, it } from "vitest";
import {
  compilePolicyEngine,
  PolicyLoadError,
  type PolicySources,
} from "../../../src/pipeline/evaluate-policy/index.js";
import { preparePolicySet } from "../../../src/pipeline/evaluate-policy/prepared-set.js";
import { defaultPackSources } from "./helpers.js";

const copy = (s: PolicySources): PolicySources => ({
  schema: { ...s.schema },
  policies: s.policies.map((p) => ({ ...p })),
});

describe("prepared policy set", () => {
  it("is reused for the same texts and paths, prepared again when either changes", () => {
    const first = preparePolicySet(defaultPackSources());
    expect(preparePolicySet(defaultPackSources())).toBe(first);
    const edited = copy(defaultPackSources());
    edited.policies[0]!.text += "\n// edited\n";
    const second = preparePolicySet(edited);
    expect(second).not.toBe(first);
    expect(second.revision).not.toBe(first.revision);
    const moved = copy(edited);
    moved.policies[0]!.path = `${moved.policies[0]!.path}.moved`;
    const third = preparePolicySet(moved);
    expect(third).not.toBe(second);
    expect(third.policyInfos[0]!.source).toMatch(/\.moved:/);
  });

  it("gives each engine its own memo over a reused set", () => {
    const a = compilePolicyEngine(defaultPackSources());
    const b = compilePolicyEngine(defaultPackSources());
    expect(b.revision).toBe(a.revision);
    expect(b.memoStats()).toEqual({ size: 0, capacity: 10_000, hits: 0, misses: 0 });
  });

  it("still names the file of a type error when the other files validate", () => {
    const sources = copy(defaultPackSources());
    sources.policies.push({
      path: "extra.cedar",
      text: `@id("typo") @reason("r")\nforbid (principal, action, resource) when { principal.agencyTyp == "x" };\n`,
    });
    let problems: string[] = [];
    try {
      preparePolicySet(sources);
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyLoadError);
      problems = (err as PolicyLoadError).problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^extra\.cedar:2:\d+: policy typo: .*agencyTyp/);
    // A failed set is not kept: the pack prepares (and is reused) as before.
    expect(preparePolicySet(defaultPackSources())).toBe(preparePolicySet(defaultPackSources()));
  });
});
