/**
 * A policy's reason by id, from the running policy set: the audit records policy ids only, the
 * dashboard shows each with its `@reason`. Built-in deciders (default deny, evaluation error) too.
 */
import { DEFAULT_DENY, EVALUATION_ERROR } from "../../pipeline/evaluate-policy/engine.js";
import type { PolicyEngine } from "../../pipeline/evaluate-policy/types.js";

const byEngine = new WeakMap<PolicyEngine, Map<string, string>>();

/** The reason of `policyId` in `engine`, or null when the policy set has no such policy. */
export function reasonIn(engine: PolicyEngine, policyId: string): string | null {
  let reasons = byEngine.get(engine);
  if (reasons === undefined) {
    reasons = new Map([DEFAULT_DENY, EVALUATION_ERROR].map((p) => [p.id, p.reason]));
    for (const p of engine.policies) reasons.set(p.id, p.reason);
    byEngine.set(engine, reasons);
  }
  return reasons.get(policyId) ?? null;
}
