/**
 * Classification: from the parsed body, the route and the headers to the request facts that the
 * policy, the audit and the what-if answer share. Computed once per request. Pure but for the
 * frame-rate store it is handed.
 */
import type { RuntimeTenant } from "../../config/index.js";
import { resolveCamera } from "./camera.js";
import { resolveCapture } from "./capture.js";
import { readDeclarations } from "./declarations.js";
import type { ImageFacts, ImageOrigin, RequestFacts } from "./facts.js";
import type { FrameWindowStore } from "./frame-rate.js";
import type { RouteInfo } from "./operation.js";

/** What classification needs beyond the request itself. */
export interface ClassifierDeps {
  frames: FrameWindowStore;
  liveFrameRate: { frames: number; withinMs: number };
}

/** One request, as classification sees it. */
export interface ClassifyInput {
  route: RouteInfo;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined (no body, or a non-JSON body). */
  body: unknown;
  tenant: RuntimeTenant;
  now: number;
}

const EMPTY_IMAGES: ImageFacts = Object.freeze({
  count: 0,
  bytes: 0,
  origins: [],
  items: [],
}) as ImageFacts;

/** Computes the facts of one request; throws a 400 on invalid declarations. */
export function classifyRequest(input: ClassifyInput, deps: ClassifierDeps): RequestFacts {
  const declared = readDeclarations(input.headers);
  const body = input.body as { model?: unknown; stream?: unknown } | undefined;
  const model =
    body !== null && typeof body === "object" && typeof body.model === "string"
      ? body.model
      : undefined;
  const stream = body !== null && typeof body === "object" && body.stream === true;

  const images: ImageFacts = EMPTY_IMAGES;
  const camera = resolveCamera({
    declaredSource: declared.cameraSource,
    declaredEnvironment: declared.environment,
    declaredAllowed: input.tenant.camera.declaredAllowed,
    tenantSource: input.tenant.camera.default,
    tenantEnvironment: input.tenant.camera.environment,
    exif: [],
  });
  const capture = resolveCapture(
    {
      declared: declared.capture,
      operation: input.route.operation,
      cameraKey:
        declared.cameraId === undefined
          ? undefined
          : `${input.tenant.id}\u0000${declared.cameraId}`,
      imageCount: images.count,
      now: input.now,
      liveFrameRate: deps.liveFrameRate,
      frames: deps.frames,
    },
    camera.conflicts,
  );
  const purposes = [...declared.purposes];
  return {
    operation: input.route.operation,
    deployment: input.route.deployment ?? model ?? null,
    stream,
    images,
    camera,
    capture: capture.capture,
    captureOrigin: capture.origin,
    purposes,
    evidence: declared.purposes.map((p) => ({
      purpose: p,
      rule: "declared",
      where: "header:x-gateway-purpose",
    })),
  };
}

/** Distinct origins of a list of images, in first-seen order. */
export function distinctOrigins(items: readonly { origin: ImageOrigin }[]): ImageOrigin[] {
  const out: ImageOrigin[] = [];
  for (const i of items) if (!out.includes(i.origin)) out.push(i.origin);
  return out;
}
