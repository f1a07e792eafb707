/**
 * The compiled policy engine: two preparsed Cedar policy sets (enforced and shadow) evaluated
 * with `statefulIsAuthorized`, a bounded memo of decisions, and the decision rules of
 * docs/policy.md: any matching forbid denies, no matching permit denies, any evaluation
 * error denies (fail closed). Shadow policies live in their own set, so neither a shadow forbid
 * nor anything else in it can change the enforced decision.
 */
import { statefulIsAuthorized } from "@cedar-policy/cedar-wasm/nodejs";
import { type CedarRequest, decisionKey, toCedarRequest } from "./cedar-request.js";
import { Lru } from "./lru.js";
import { type PreparedPolicySet, preparePolicySet } from "./prepared-set.js";
import type {
  CompileOptions,
  DecidingPolicy,
  Decision,
  DecisionValue,
  EvaluateOptions,
  PolicyEngine,
  PolicyInput,
  PolicySources,
} from "./types.js";

export { policySetRevision } from "./prepared-set.js";

export const DEFAULT_MEMO_SIZE = 10_000;

export const DEFAULT_DENY: DecidingPolicy = Object.freeze({
  id: "default-deny",
  reason: "no policy permits this request",
  effect: "forbid",
  mode: "enforce",
});

export const EVALUATION_ERROR: DecidingPolicy = Object.freeze({
  id: "evaluation-error",
  reason: "a policy could not be evaluated: the gateway fails closed",
  effect: "forbid",
  mode: "enforce",
});

/** The part of a decision that depends only on the request; what the memo keeps. */
interface BaseDecision {
  decision: DecisionValue;
  policies: readonly DecidingPolicy[];
  errors: readonly string[];
  shadowPolicies: readonly DecidingPolicy[];
  shadowErrors: readonly string[];
}

/** Freezes a decision's lists so the memo can hand the same object to every request. */
function deepFreezeDecision(base: BaseDecision): BaseDecision {
  for (const list of [base.policies, base.errors, base.shadowPolicies, base.shadowErrors]) {
    Object.freeze(list);
  }
  return Object.freeze(base);
}

/** Compiles, preparses and checks the policy set of `sources` into an engine (prepared-set.ts). */
export function compilePolicyEngine(
  sources: PolicySources,
  opts: CompileOptions = {},
): PolicyEngine {
  return engineOf(preparePolicySet(sources), opts);
}

/**
 * An engine over a set already prepared: a reload prepares it in steps (prepared-set.ts,
 * `preparingSteps`) and hands it over, each engine with a memo of its own.
 */
export function engineOf(prepared: PreparedPolicySet, opts: CompileOptions = {}): PolicyEngine {
  const { compiled, revision, byId, enforcedId, shadowId, hasShadow, policyInfos } = prepared;
  const memo = new Lru<BaseDecision>(opts.memoSize ?? DEFAULT_MEMO_SIZE);
  let hits = 0;
  let misses = 0;

  // The hot path: one wasm call per policy set, then plain loops over its answer.
  const run = (setId: string, req: CedarRequest) => {
    const answer = statefulIsAuthorized({
      principal: req.principal,
      action: req.action,
      resource: req.resource,
      context: req.context,
      entities: req.entities,
      preparsedPolicySetId: setId,
    });
    const permits: DecidingPolicy[] = [];
    const forbids: DecidingPolicy[] = [];
    const errors: string[] = [];
    if (answer.type === "failure") {
      for (const e of answer.errors) errors.push(e.message);
      return { decision: "deny", permits, forbids, errors };
    }
    const { decision, diagnostics } = answer.response;
    for (const id of diagnostics.reason) {
      const policy = byId.get(id);
      if (policy === undefined) errors.push(`policy \`${id}\`: unknown policy id in answer`);
      else (policy.effect === "permit" ? permits : forbids).push(policy);
    }
    for (const e of diagnostics.errors) errors.push(`policy ${e.policyId}: ${e.error.message}`);
    return { decision, permits, forbids, errors };
  };

  const decide = (req: CedarRequest): BaseDecision => {
    const enf = run(enforcedId, req);
    const sh = hasShadow ? run(shadowId, req) : undefined;
    const shadowPolicies = sh ? sh.forbids : [];
    const shadowErrors = sh ? sh.errors : [];
    let decision: DecisionValue;
    let policies: DecidingPolicy[];
    if (enf.errors.length > 0) {
      decision = "deny";
      policies = [EVALUATION_ERROR, ...enf.forbids];
    } else if (enf.decision === "allow") {
      decision = shadowPolicies.length > 0 ? "shadow-deny" : "allow";
      policies = shadowPolicies.length > 0 ? shadowPolicies : enf.permits;
    } else {
      decision = "deny";
      policies = enf.forbids.length > 0 ? enf.forbids : [DEFAULT_DENY];
    }
    return { decision, policies, errors: enf.errors, shadowPolicies, shadowErrors };
  };

  const evaluate = (input: PolicyInput, evalOpts: EvaluateOptions = {}): Decision => {
    const t0 = process.hrtime.bigint();
    const dryRun = evalOpts.dryRun === true;
    let base: BaseDecision;
    let memoHit = false;
    try {
      const key = decisionKey(input.agency, input.facts);
      const cached = memo.get(key);
      if (cached) {
        base = cached;
        memoHit = true;
        hits++;
      } else {
        misses++;
        base = decide(toCedarRequest(input.agency, input.facts));
        // Errors are not memoised: a decision that failed closed is recomputed next time.
        // Memoised decisions are frozen and shared by every request that hits them.
        if (base.errors.length === 0 && base.shadowErrors.length === 0) {
          memo.set(key, deepFreezeDecision(base));
        }
      }
    } catch (error) {
      // Anything thrown (a malformed input, a wasm trap) is an evaluation error: fail closed.
      const message = error instanceof Error ? error.message : String(error);
      base = {
        decision: "deny",
        policies: [EVALUATION_ERROR],
        errors: [`evaluation failed: ${message}`],
        shadowPolicies: [],
        shadowErrors: [],
      };
    }
    const decision: DecisionValue =
      dryRun && base.decision === "deny" && base.errors.length === 0
        ? "shadow-deny"
        : base.decision;
    return {
      decision,
      policies: base.policies,
      errors: base.errors,
      shadowPolicies: base.shadowPolicies,
      shadowErrors: base.shadowErrors,
      dryRun,
      revision,
      memoHit,
      durationUs: Number(process.hrtime.bigint() - t0) / 1000,
    };
  };

  return Object.freeze({
    revision,
    policyCount: compiled.length,
    policies: policyInfos,
    evaluate,
    memoStats: () => ({ size: memo.size, capacity: memo.capacity, hits, misses }),
  });
}
