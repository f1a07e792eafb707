/**
 * The compiled policy engine: two preparsed Cedar policy sets (enforced and shadow) evaluated
 * with `statefulIsAuthorized`, a bounded memo of decisions, and the decision rules of
 * docs/policy.md: any matching forbid denies, no matching permit denies, any evaluation
 * error denies (fail closed). Shadow policies live in their own set, so neither a shadow forbid
 * nor anything else in it can change the enforced decision.
 */
import { createHash } from "node:crypto";
import {
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
} from "@cedar-policy/cedar-wasm/nodejs";
import type { RequestFacts } from "../classify-request/facts.js";
import type { Agency } from "../identify-tenant/agency.js";
import { ALL_ACTIONS, type CedarRequest, decisionKey, toCedarRequest } from "./cedar-request.js";
import { compilePolicies, formatDetailed } from "./compile.js";
import { PolicyLoadError } from "./errors.js";
import { Lru } from "./lru.js";
import { SourceText } from "./source-location.js";
import type {
  CompileOptions,
  DecidingPolicy,
  Decision,
  DecisionValue,
  EvaluateOptions,
  PolicyEngine,
  PolicyInfo,
  PolicyInput,
  PolicySources,
} from "./types.js";

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

/**
 * SHA-256 over the schema text and the policy texts (in path order), each length-delimited.
 * Paths themselves are left out, so the same files give the same revision on every machine.
 */
export function policySetRevision(sources: PolicySources): string {
  const hash = createHash("sha256");
  const add = (s: string) => {
    hash.update(`${Buffer.byteLength(s)}:`);
    hash.update(s);
  };
  add(sources.schema.text);
  const files = [...sources.policies].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  for (const file of files) add(file.text);
  return hash.digest("hex");
}

/** A request the gateway could send, used to check at load time that the schema accepts it. */
function probeRequest(): CedarRequest {
  const agency: Agency = {
    id: "probe",
    tenantId: "probe",
    agencyType: "other",
    jurisdiction: { country: "US" },
    consentAttested: false,
    tenantAgencyType: "other",
  };
  const facts: RequestFacts = {
    operation: "other",
    deployment: null,
    stream: false,
    images: { count: 0, bytes: 0, origins: [], items: [] },
    camera: {
      source: "unknown",
      mobility: "unknown",
      environment: "unknown",
      origin: { source: "none", environment: "none" },
      conflicts: [],
    },
    capture: "unknown",
    captureOrigin: "none",
    purposes: [],
    evidence: [],
    unseen: [],
    recognitionConfidence: "none",
  };
  return toCedarRequest(agency, facts);
}

/** Freezes a decision's lists so the memo can hand the same object to every request. */
function deepFreezeDecision(base: BaseDecision): BaseDecision {
  for (const list of [base.policies, base.errors, base.shadowPolicies, base.shadowErrors]) {
    Object.freeze(list);
  }
  return Object.freeze(base);
}

export function compilePolicyEngine(
  sources: PolicySources,
  opts: CompileOptions = {},
): PolicyEngine {
  const compiled = compilePolicies(sources);
  const fullRevision = policySetRevision(sources);
  const revision = fullRevision.slice(0, 16);

  const enforced: Record<string, string> = {};
  const shadow: Record<string, string> = {};
  const byId = new Map<string, DecidingPolicy>();
  for (const policy of compiled) {
    (policy.mode === "shadow" ? shadow : enforced)[policy.id] = policy.text;
    byId.set(
      policy.id,
      Object.freeze({
        id: policy.id,
        reason: policy.reason,
        effect: policy.effect,
        mode: policy.mode,
      }),
    );
  }

  // Cedar keeps preparsed sets in a process-wide cache keyed by name; naming them by content
  // hash means two engines never overwrite each other's sets with different content.
  const schemaName = `aoai-gw:schema:${createHash("sha256").update(sources.schema.text).digest("hex")}`;
  const enforcedId = `aoai-gw:${fullRevision}:enforce`;
  const shadowId = `aoai-gw:${fullRevision}:shadow`;
  const hasShadow = Object.keys(shadow).length > 0;
  const schemaSrc = new SourceText(sources.schema.path, sources.schema.text);
  const preparse = [
    preparseSchema(schemaName, sources.schema.text),
    preparsePolicySet(enforcedId, { staticPolicies: enforced }),
    ...(hasShadow ? [preparsePolicySet(shadowId, { staticPolicies: shadow })] : []),
  ];
  const preparseProblems = preparse.flatMap((a) =>
    a.type === "failure" ? formatDetailed(schemaSrc, a.errors) : [],
  );
  if (preparseProblems.length > 0) throw new PolicyLoadError(preparseProblems);

  // The schema is the contract between the policies and the facts this engine supplies: check
  // once, for every action, that it accepts the request the engine builds, so that evaluation
  // can skip request validation (it costs about a quarter of each call).
  const probe = probeRequest();
  const probeProblems: string[] = [];
  for (const action of ALL_ACTIONS) {
    const answer = statefulIsAuthorized({
      principal: probe.principal,
      action: { type: "Action", id: action },
      resource: probe.resource,
      context: probe.context,
      entities: probe.entities,
      preparsedPolicySetId: enforcedId,
      preparsedSchemaName: schemaName,
      validateRequest: true,
    });
    if (answer.type === "failure") {
      for (const message of answer.errors.map((e) => e.message)) {
        probeProblems.push(
          `${sources.schema.path}: schema does not accept the requests the gateway sends: action \`${action}\`: ${message}`,
        );
      }
    }
  }
  if (probeProblems.length > 0) throw new PolicyLoadError(probeProblems);

  const policyInfos: readonly PolicyInfo[] = Object.freeze(
    compiled.map(({ text: _text, ...info }) => Object.freeze(info)),
  );
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
