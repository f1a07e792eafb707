/**
 * The policy engine's public types (docs/policy.md).
 *
 * A decision is a value, never an exception: the engine answers every request with a `Decision`,
 * and an evaluation error is a deny carrying its messages (fail closed).
 */
import type { RequestFacts } from "../classify-request/facts.js";
import type { Agency } from "../identify-tenant/agency.js";

export interface PolicyInput {
  agency: Agency;
  facts: RequestFacts;
}

export interface DecidingPolicy {
  id: string;
  reason: string;
  effect: "permit" | "forbid";
  mode: "enforce" | "shadow";
}

export type DecisionValue = "allow" | "deny" | "shadow-deny";

export interface Decision {
  /** `shadow-deny`: allowed, but a shadow policy (or dry-run) would have denied. */
  decision: DecisionValue;
  /**
   * deny: the enforced forbids that matched (`evaluation-error` first on an error; the synthetic
   * `default-deny` when no permit matched); allow: the permits that matched; shadow-deny: the
   * shadow forbids that matched, or under dry-run the enforced deny's policies.
   */
  policies: readonly DecidingPolicy[];
  /** Evaluation errors of enforced policies; non-empty means deny (fail closed), even in dry-run. */
  errors: readonly string[];
  /** Shadow forbids that matched, whatever the decision (recorded in the audit). */
  shadowPolicies: readonly DecidingPolicy[];
  /** Evaluation errors of shadow policies; they never change the decision. */
  shadowErrors: readonly string[];
  /** True when `evaluate` was called with `dryRun: true`. */
  dryRun: boolean;
  /** The policy-set revision: first 16 hex digits of a SHA-256 over the schema and policy files. */
  revision: string;
  memoHit: boolean;
  durationUs: number;
}

export interface EvaluateOptions {
  /** Dry-run: an enforced deny (not an evaluation error) becomes `shadow-deny`. */
  dryRun?: boolean;
}

export interface PolicyEngine {
  readonly revision: string;
  /** Number of policies, enforced and shadow. */
  readonly policyCount: number;
  /** Every policy by id, in file order (for `check`, docs and the CLI). */
  readonly policies: readonly PolicyInfo[];
  evaluate(input: PolicyInput, opts?: EvaluateOptions): Decision;
  /** Memo statistics; the memo belongs to this engine and dies with it. */
  memoStats(): { size: number; capacity: number; hits: number; misses: number };
}

export interface PolicyInfo extends DecidingPolicy {
  /** File and 1-based line:col where the policy starts. */
  source: string;
}

export interface PolicySource {
  path: string;
  text: string;
}

export interface PolicySources {
  schema: PolicySource;
  policies: PolicySource[];
}

export interface CompileOptions {
  /** Bounded LRU of decisions; 0 disables it. Default 10_000. */
  memoSize?: number;
}
