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
  engineOf,
  loadPolicySources,
  type PolicyEngine,
} from "../pipeline/evaluate-policy/index.js";
import { preparingSteps } from "../pipeline/evaluate-policy/prepared-set.js";
import type { LiveUpstream } from "../pipeline/forward/upstreams.js";
import { TenantIdentifier } from "../pipeline/identify-tenant/identify.js";
import { PurposeJudge } from "../pipeline/judge-purpose/judge.js";
import { runSteps, runStepsYielding, type Steps } from "../pipeline/steps.js";

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
      keepClearedText: config.classification.judge?.screen === true,
    },
    ...(judge === undefined ? {} : { judge }),
  });
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
  return runSteps(generationSteps(config, upstreams, frames, now));
}

/**
 * {@link buildGeneration} for a reload: the event loop runs between its steps (compiling the
 * policies, preparsing them, the catalogue, the rest), so requests in flight wait for one step
 * at a time, not for all of them (docs/performance.md, "Issue 14, round four").
 */
export function buildGenerationYielding(
  config: RuntimeConfig,
  upstreams: readonly LiveUpstream[],
  frames: FrameWindowStore | undefined,
  now: () => number = Date.now,
): Promise<Generation> {
  return runStepsYielding(generationSteps(config, upstreams, frames, now));
}

/** The steps of building a generation, each a stretch of synchronous work. */
function* generationSteps(
  config: RuntimeConfig,
  upstreams: readonly LiveUpstream[],
  frames: FrameWindowStore | undefined,
  now: () => number,
): Steps<Generation> {
  const sources = loadPolicySources(config.policy.schema, [...config.policy.files], config.baseDir);
  const prepared = yield* preparingSteps(sources);
  const policy = engineOf(prepared, { memoSize: config.policy.memoSize });
  yield;
  const catalogue = loadCameraCatalogue(config.classification.cameraCatalogue);
  yield;
  return createGeneration(config, upstreams, policy, frames, catalogue, now);
}
