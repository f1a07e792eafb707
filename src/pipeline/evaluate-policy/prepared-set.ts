/**
 * A policy set made ready to evaluate: compiled and validated (compile.ts), preparsed into Cedar's
 * process-wide cache, and checked against the requests the gateway sends. That is most of a
 * reload's time on the event loop (docs/performance.md, "Issue 14, round four"), and most reloads
 * change a tenant or a limit, not a policy: the last set prepared is kept and reused when the
 * schema and the policy files (texts and paths) are the same. Each engine still gets its own memo.
 */
import { createHash } from "node:crypto";
import {
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
} from "@cedar-policy/cedar-wasm/nodejs";
import type { RequestFacts } from "../classify-request/facts.js";
import type { Agency } from "../identify-tenant/agency.js";
import { runSteps, type Steps } from "../steps.js";
import { ALL_ACTIONS, type CedarRequest, toCedarRequest } from "./cedar-request.js";
import { type CompiledPolicy, compilePolicies, formatDetailed } from "./compile.js";
import { PolicyLoadError } from "./errors.js";
import { SourceText } from "./source-location.js";
import type { DecidingPolicy, PolicyInfo, PolicySources } from "./types.js";

/** What an engine evaluates with: Cedar's names of the preparsed sets and the policies by id. */
export interface PreparedPolicySet {
  compiled: readonly CompiledPolicy[];
  /** The first 16 hex digits of {@link policySetRevision}. */
  revision: string;
  byId: ReadonlyMap<string, DecidingPolicy>;
  enforcedId: string;
  shadowId: string;
  hasShadow: boolean;
  policyInfos: readonly PolicyInfo[];
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

/** The set last prepared, and what it was prepared from (the revision and the paths). */
let last: { key: string; set: PreparedPolicySet } | undefined;

/**
 * Prepares the policy set of `sources`; throws `PolicyLoadError` with precise problems. The same
 * sources as the last call's give the same set back without compiling them again.
 */
export function preparePolicySet(sources: PolicySources): PreparedPolicySet {
  return runSteps(preparingSteps(sources));
}

/**
 * {@link preparePolicySet} in two steps, compiling then preparsing (a reload runs the event loop
 * between them: each takes about half of a policy change's time).
 */
export function* preparingSteps(sources: PolicySources): Steps<PreparedPolicySet> {
  const fullRevision = policySetRevision(sources);
  const key = sourcesKey(sources, fullRevision);
  if (last?.key === key) return last.set;
  const compiled = compilePolicies(sources);
  yield;
  const set = preparse(sources, fullRevision, compiled);
  last = { key, set };
  return set;
}

/**
 * What tells two policy sources apart for what is derived from them: the revision (the texts)
 * and the paths, which messages and policy locations name.
 */
export function sourcesKey(
  sources: PolicySources,
  fullRevision: string = policySetRevision(sources),
): string {
  return [fullRevision, sources.schema.path, ...sources.policies.map((p) => p.path)].join("\0");
}

function preparse(
  sources: PolicySources,
  fullRevision: string,
  compiled: readonly CompiledPolicy[],
): PreparedPolicySet {
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
  return { compiled, revision, byId, enforcedId, shadowId, hasShadow, policyInfos };
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
