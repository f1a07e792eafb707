/**
 * A generation: everything compiled from one version of the config and policy files. Requests pin
 * the generation they start on, so a reload never changes the rules under a request in flight.
 */
import type { RuntimeConfig } from "../config/index.js";
import type { FrameWindowStore } from "../pipeline/classify-request/frame-rate.js";
import {
  type CameraCatalogue,
  createExifReader,
  loadCameraCatalogue,
} from "../pipeline/classify-request/images/index.js";
import type { ClassifierDeps } from "../pipeline/classify-request/index.js";
import { shippedPurposeModel } from "../pipeline/classify-request/purposes/model/shipped.js";
import {
  compilePolicyEngine,
  loadPolicySources,
  type PolicyEngine,
} from "../pipeline/evaluate-policy/index.js";
import type { LiveUpstream } from "../pipeline/forward/upstreams.js";
import { TenantIdentifier } from "../pipeline/identify-tenant/identify.js";
import { PurposeJudge } from "../pipeline/judge-purpose/judge.js";

/** One compiled config generation. */
export interface Generation {
  readonly id: number;
  readonly config: RuntimeConfig;
  readonly identifier: TenantIdentifier;
  readonly upstreams: readonly LiveUpstream[];
  readonly policy: PolicyEngine;
  readonly classifier: ClassifierDeps;
  /** The judge of the uncertain band, when `classification.judge` names one. */
  readonly judge?: PurposeJudge;
}

let nextId = 1;

/** Assembles a generation from its compiled parts. */
export function createGeneration(
  config: RuntimeConfig,
  upstreams: readonly LiveUpstream[],
  policy: PolicyEngine,
  frames: FrameWindowStore | undefined,
  catalogue: CameraCatalogue,
  now: () => number = Date.now,
): Generation {
  // Loaded before the first generation (`ensurePurposeModel`); rules alone without it.
  const model = config.classification.purposeModel ? shippedPurposeModel() : undefined;
  const judge =
    config.classification.judge === null
      ? undefined
      : new PurposeJudge(config.classification.judge, upstreams, now);
  return Object.freeze({
    id: nextId++,
    config,
    identifier: new TenantIdentifier(config),
    upstreams,
    policy,
    classifier: {
      ...(frames === undefined ? {} : { frames }),
      exif: createExifReader({ catalogue }),
      liveFrameRate: config.classification.liveFrameRate,
      exifLiveMaxAgeMs: config.classification.exifLiveMaxAgeMs,
      now,
      ...(model === undefined ? {} : { model }),
    },
    ...(judge === undefined ? {} : { judge }),
  });
}

/** Compiles the policy engine named by a config (throws `PolicyLoadError`). */
export function loadPolicyEngine(config: RuntimeConfig): PolicyEngine {
  const sources = loadPolicySources(config.policy.schema, [...config.policy.files], config.baseDir);
  return compilePolicyEngine(sources, { memoSize: config.policy.memoSize });
}

/**
 * Loads everything a config names (policies, camera catalogue) and assembles a generation; throws
 * `PolicyLoadError` or `CameraCatalogueError` with precise problems when a file is invalid.
 */
export function buildGeneration(
  config: RuntimeConfig,
  upstreams: readonly LiveUpstream[],
  frames: FrameWindowStore | undefined,
  now: () => number = Date.now,
): Generation {
  const policy = loadPolicyEngine(config);
  const catalogue = loadCameraCatalogue(config.classification.cameraCatalogue);
  return createGeneration(config, upstreams, policy, frames, catalogue, now);
}
