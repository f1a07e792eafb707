/**
 * A generation: everything compiled from one version of the config and policy files. Requests pin
 * the generation they start on, so a reload never changes the rules under a request in flight.
 */
import type { RuntimeConfig } from "../config/index.js";
import type { FrameWindowStore } from "../pipeline/classify-request/frame-rate.js";
import type { ClassifierDeps } from "../pipeline/classify-request/index.js";
import type { PolicyEngine } from "../pipeline/evaluate-policy/index.js";
import type { LiveUpstream } from "../pipeline/forward/upstreams.js";
import { TenantIdentifier } from "../pipeline/identify-tenant/identify.js";

/** One compiled config generation. */
export interface Generation {
  readonly id: number;
  readonly config: RuntimeConfig;
  readonly identifier: TenantIdentifier;
  readonly upstreams: readonly LiveUpstream[];
  readonly policy: PolicyEngine | undefined;
  readonly classifier: ClassifierDeps;
}

let nextId = 1;

/** Assembles a generation from its compiled parts. */
export function createGeneration(
  config: RuntimeConfig,
  upstreams: readonly LiveUpstream[],
  policy: PolicyEngine | undefined,
  frames: FrameWindowStore,
): Generation {
  return Object.freeze({
    id: nextId++,
    config,
    identifier: new TenantIdentifier(config),
    upstreams,
    policy,
    classifier: { frames, liveFrameRate: config.classification.liveFrameRate },
  });
}
