/**
 * Decisions per second, memo hit and miss, with 3 and with 100 policies. A measurement, not an
 * assertion: it runs only with POLICY_BENCH=1 (`POLICY_BENCH=1 npx vitest run
 * test/unit/policy/throughput.test.ts`) and prints its numbers.
 */
import { describe, expect, it } from "vitest";
import {
  compilePolicyEngine,
  type PolicyEngine,
  type PolicyInput,
} from "../../../src/pipeline/evaluate-policy/index.js";
import { agency, defaultPackSources, facts } from "./helpers.js";

const SCHEMA = defaultPackSources().schema;
const THREE = `@id("no-facial-recognition") @reason("r")
permit (principal, action, resource) when { !context.recognition };
@id("us-law-enforcement-no-facial-recognition") @reason("r")
forbid (principal, action, resource) when {
  context.recognition && principal.agencyType == "law-enforcement" && principal.country == "US"
};
@id("non-law-enforcement-facial-recognition") @reason("r")
permit (principal, action, resource) when {
  context.recognition && principal.agencyType != "law-enforcement"
};
`;

function build(extra: number, memoSize: number): PolicyEngine {
  let text = THREE;
  for (let i = 0; i < extra; i++) {
    text += `@id("extra-${i}") @reason("r")
forbid (principal, action, resource) when {
  principal.tenantId == "tenant-${i}" && context.capture == "live" && context.purposes.contains("face-analysis")
};
`;
  }
  return compilePolicyEngine(
    { schema: SCHEMA, policies: [{ path: "bench.cedar", text }] },
    { memoSize },
  );
}

function inputs(n: number): PolicyInput[] {
  const out: PolicyInput[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      agency: agency({ id: `agency-${i}`, agencyType: i % 2 ? "law-enforcement" : "commercial" }),
      facts: facts({ purposes: i % 3 ? ["facial-identification"] : ["scene-description"] }),
    });
  }
  return out;
}

function rate(engine: PolicyEngine, batch: PolicyInput[], rounds: number): number {
  const t0 = performance.now();
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (const input of batch) {
      engine.evaluate(input);
      n++;
    }
  }
  return Math.round((n / (performance.now() - t0)) * 1000);
}

describe.skipIf(process.env["POLICY_BENCH"] !== "1")("throughput", () => {
  it("measures decisions per second", () => {
    const rows: string[] = [];
    for (const [label, extra] of [
      ["3 policies", 0],
      ["100 policies", 97],
    ] as const) {
      const miss = build(extra, 0);
      const hit = build(extra, 10_000);
      expect(miss.policyCount).toBe(3 + extra);
      const batch = inputs(200);
      rate(miss, batch, 2); // warm up
      const missRate = rate(miss, batch, 10);
      rate(hit, batch, 1); // fill the memo
      const hitRate = rate(hit, batch, 500);
      const us = miss.evaluate(batch[0]!).durationUs;
      rows.push(`${label}: miss ${missRate}/s (one miss ${us.toFixed(0)} us), hit ${hitRate}/s`);
    }
    console.log(`policy engine throughput (node ${process.version}):\n  ${rows.join("\n  ")}`);
  });
});
