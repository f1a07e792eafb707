/**
 * The policy engine (docs/policy.md): request facts -> a Cedar decision.
 * Pure: no Fastify, no undici. Reload = compile a new engine; its memo starts empty.
 */
export { ACTION_OF_OPERATION, ANALYZE_IMAGE_ACTION, actionFor } from "./cedar-request.js";
export {
  compilePolicyEngine,
  DEFAULT_DENY,
  DEFAULT_MEMO_SIZE,
  EVALUATION_ERROR,
  engineOf,
  policySetRevision,
} from "./engine.js";
export { PolicyLoadError } from "./errors.js";
export { loadPolicySources } from "./load-sources.js";
export type {
  CompileOptions,
  DecidingPolicy,
  Decision,
  DecisionValue,
  EvaluateOptions,
  PolicyEngine,
  PolicyInfo,
  PolicyInput,
  PolicySource,
  PolicySources,
} from "./types.js";
