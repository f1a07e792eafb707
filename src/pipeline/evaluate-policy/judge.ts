/**
 * Judging one request as several agencies (docs/policy.md, "A tenant with customers that names
 * none"): a vendor that does not say which customer it acts for is judged as itself and as each
 * of its customers, and the call is denied if any of them would be denied. Each evaluation goes
 * through the memoised engine, so the extra cost is usually a memo hit per customer. Pure.
 */
import type { RequestFacts } from "../classify-request/facts.js";
import type { Agency } from "../identify-tenant/agency.js";
import { EVALUATION_ERROR } from "./engine.js";
import type {
  DecidingPolicy,
  Decision,
  DecisionValue,
  EvaluateOptions,
  PolicyEngine,
} from "./types.js";

/** A decision and the agency whose evaluation decided it. */
export interface Judgement {
  decision: Decision;
  /** The first agency whose evaluation had the combined decision (`deny` beats `shadow-deny` beats `allow`). */
  decidedAs: Agency;
}

const RANK: Record<DecisionValue, number> = { allow: 0, "shadow-deny": 1, deny: 2 };

function distinctPolicies(lists: readonly (readonly DecidingPolicy[])[]): DecidingPolicy[] {
  const seen = new Set<string>();
  const out: DecidingPolicy[] = [];
  for (const list of lists) {
    for (const p of list) {
      if (!seen.has(p.id)) {
        seen.add(p.id);
        out.push(p);
      }
    }
  }
  return out;
}

const distinct = (lists: readonly (readonly string[])[]): string[] => [...new Set(lists.flat())];

/**
 * Evaluates `facts` as each agency of `agencies` (at least one) and combines the decisions: the
 * strictest decision wins; its policies are those of every evaluation that reached it (so a deny
 * lists the forbids that denied, for whichever agency); errors and shadow policies are merged.
 * Dry-run applies to each evaluation as the engine defines it, so an evaluation error still denies.
 */
export function judgeAs(
  engine: PolicyEngine,
  agencies: readonly Agency[],
  facts: RequestFacts,
  opts: EvaluateOptions,
): Judgement {
  const first = agencies[0];
  if (first === undefined) throw new Error("judgeAs needs at least one agency");
  const firstDecision = engine.evaluate({ agency: first, facts }, opts);
  if (agencies.length === 1) return { decision: firstDecision, decidedAs: first };

  const decisions: Decision[] = [firstDecision];
  for (let i = 1; i < agencies.length; i++) {
    decisions.push(engine.evaluate({ agency: agencies[i]!, facts }, opts));
  }
  let worst = 0;
  for (let i = 1; i < decisions.length; i++) {
    if (RANK[decisions[i]!.decision] > RANK[decisions[worst]!.decision]) worst = i;
  }
  const value = decisions[worst]!.decision;
  // An allow keeps the tenant's own permits; a (shadow-)deny names what denied, for every agency.
  const deciding =
    value === "allow" ? [firstDecision] : decisions.filter((d) => d.decision === value);
  const policies = distinctPolicies(deciding.map((d) => d.policies));
  const error = policies.findIndex((p) => p.id === EVALUATION_ERROR.id);
  if (error > 0) policies.unshift(...policies.splice(error, 1)); // fail-closed marker first
  const decision: Decision = {
    decision: value,
    policies,
    errors: distinct(decisions.map((d) => d.errors)),
    shadowPolicies: distinctPolicies(decisions.map((d) => d.shadowPolicies)),
    shadowErrors: distinct(decisions.map((d) => d.shadowErrors)),
    dryRun: firstDecision.dryRun,
    revision: firstDecision.revision,
    memoHit: decisions.every((d) => d.memoHit),
    durationUs: decisions.reduce((sum, d) => sum + d.durationUs, 0),
  };
  return { decision, decidedAs: agencies[worst]! };
}
