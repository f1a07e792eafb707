/**
 * Classification: from the parsed body, the route and the headers to the request facts that the
 * policy, the audit and the what-if answer share. Computed once per request. Pure but for the
 * frame-rate store it is handed.
 */
import type { RuntimeTenant } from "../../config/index.js";
import { GatewayHttpError } from "../../errors.js";
import { countJsonKeys } from "../read-body/duplicate-keys.js";
import { type BodyInspection, inspectJsonBody, inspectMultipart } from "../read-body/inspect.js";
import type { RequestBody } from "../read-body/request-body.js";
import { MAX_BODY_DEPTH } from "../read-body/walk.js";
import { resolveCamera } from "./camera.js";
import { localFrameCounts, type PendingCapture, resolveCapture } from "./capture.js";
import { frameWindows } from "./capture-windows.js";
import { readDeclarations } from "./declarations.js";
import { DEFAULT_EXIF_LIVE_MAX_AGE_MS } from "./exif-capture-time.js";
import type {
  Evidence,
  ExifCamera,
  ImageFacts,
  ImageOrigin,
  RequestFacts,
  UnseenKind,
} from "./facts.js";
import type { FrameWindowStore } from "./frame-rate.js";
import type { ExifReader } from "./images/index.js";
import type { RouteInfo } from "./operation.js";
import { CONFIDENCES, type Confidence, recognitionConfidence } from "./purposes/confidence.js";
import {
  conversations,
  detectConversationPurposes,
  joinConversation,
} from "./purposes/conversation.js";
import type { PurposeResult } from "./purposes/index.js";
import type { PurposeModel } from "./purposes/model/purpose-model.js";
import { terseIdentityAsks } from "./purposes/terse-ask.js";

const NO_PURPOSES: PurposeResult = Object.freeze({
  purposes: [],
  evidence: [],
}) as unknown as PurposeResult;

/** What classification needs beyond the request itself. */
export interface ClassifierDeps {
  /**
   * A process-local window store: capture is resolved during classification. Without one (the
   * gateway, whose windows live in the shared store), a request that feeds windows comes back with
   * `pendingCapture`, resolved by the admission step (pipeline/admit/).
   */
  frames?: FrameWindowStore;
  /** Reads camera EXIF of inline images and maps it through the camera catalogue. */
  exif: ExifReader;
  liveFrameRate: { frames: number; withinMs: number };
  /** An image whose EXIF capture time is at most this old is live; 120 s when not given. */
  exifLiveMaxAgeMs?: number;
  /** The clock that frame windows and capture times are judged by; `Date.now` when not given. */
  now?: () => number;
  /** The learned purpose model; without it, purposes come from the rules alone. */
  model?: PurposeModel;
  /**
   * Keep the text of an image call scored `none` as `uncertainText`, for a judge that screens
   * what the local classifier clears (`classification.judge.screen`).
   */
  keepClearedText?: boolean;
}

/** One request, as classification sees it. */
export interface ClassifyInput {
  route: RouteInfo;
  headers: Record<string, string | string[] | undefined>;
  /** The body as the gateway read it. */
  body: RequestBody;
  tenant: RuntimeTenant;
  /** The effective agency id (the tenant, or the customer it acts for); the tenant's by default. */
  agencyId?: string;
  now: number;
  /** A what-if call: frame-rate windows are read, never written. */
  whatIf?: boolean;
  /** Images of the conversation this request continues (own-objects/context-facts.ts). */
  contextImages?: number;
}

/** Shared by requests without EXIF (never written: the loop that fills it does not run). */
const NO_TIMES: string[] = Object.freeze([]) as unknown as string[];

const EMPTY_IMAGES: ImageFacts = Object.freeze({
  count: 0,
  bytes: 0,
  origins: [],
  items: [],
}) as unknown as ImageFacts;

/** Reads the body: images (with EXIF) and texts; throws coded 400s on bodies it refuses. */
export function inspectBody(input: ClassifyInput, deps: ClassifierDeps): BodyInspection {
  const { body } = input;
  const inspection =
    body.kind === "multipart"
      ? inspectMultipart(input.route.operation, body.parts, deps.exif)
      : inspectJsonBody(
          input.route.operation,
          body.kind === "json" ? body.parsed : undefined,
          deps.exif,
        );
  if (inspection.tooDeep) {
    throw new GatewayHttpError(
      "InvalidRequest",
      `the request body nests deeper than ${MAX_BODY_DEPTH} levels`,
    );
  }
  if (
    inspection.duplicateKeys ||
    (body.kind === "json" && countJsonKeys(body.raw) !== inspection.keyCount)
  ) {
    throw new GatewayHttpError(
      "InvalidRequest",
      "the request body repeats an object key: readers disagree on which copy counts, so the gateway refuses it",
    );
  }
  const first = inspection.invalidImages[0];
  if (first !== undefined) {
    throw new GatewayHttpError(
      "InvalidRequest",
      `unparseable image data at \`${first.where}\`: ${first.reason}`,
      { param: first.where },
    );
  }
  return inspection;
}

/** Computes the facts of one request from its inspected body; throws a 400 on invalid declarations. */
export function factsOf(
  input: ClassifyInput,
  inspection: BodyInspection,
  deps: ClassifierDeps,
): RequestFacts {
  const declared = readDeclarations(input.headers);
  const images: ImageFacts =
    inspection.images.length === 0
      ? EMPTY_IMAGES
      : {
          count: inspection.images.length,
          bytes: inspection.images.reduce((n, i) => n + i.bytes, 0),
          origins: distinctOrigins(inspection.images),
          items: inspection.images,
        };
  const exif: ExifCamera[] = [];
  for (const i of inspection.images) if (i.exif !== undefined) exif.push(i.exif);
  const camera = resolveCamera({
    declaredSource: declared.cameraSource,
    declaredEnvironment: declared.environment,
    declaredAllowed: input.tenant.camera.declaredAllowed,
    tenantSource: input.tenant.camera.default,
    tenantEnvironment: input.tenant.camera.environment,
    exif,
  });
  // Detected purposes first; declarations can add purposes, never remove detected ones.
  const detected =
    inspection.texts.length === 0 ? NO_PURPOSES : detectConversationPurposes(inspection.texts);
  const purposes = [...detected.purposes];
  const evidence: Evidence[] = [...detected.evidence];
  // "Name?" with an image in play (here or earlier in the conversation) is the identification ask.
  const imagesInPlay = inspection.images.length + (input.contextImages ?? 0) > 0;
  if (imagesInPlay && !purposes.includes("facial-identification")) {
    const terse = terseIdentityAsks(inspection.texts);
    if (terse.length > 0) {
      purposes.unshift("facial-identification");
      evidence.push(...terse);
    }
  }
  // How sure: the rules, the model and unreadable scripts, where an image is in play.
  const ruleMatch =
    purposes.includes("facial-identification") || purposes.includes("facial-verification");
  // Without the model (or without an image, where it does not run), a rule match is `likely`;
  // with it, a rule match (a terse ask too: "Identify this plant." is three words) is one signal
  // of the combined score (confidence.ts).
  let recognition: Confidence =
    ruleMatch && (deps.model === undefined || !imagesInPlay) ? "likely" : "none";
  let uncertainText: string | undefined;
  let clearedText: string | undefined;
  if (imagesInPlay) {
    for (const group of conversations(inspection.texts)) {
      const rc = recognitionConfidence(group, ruleMatch, deps.model);
      if (CONFIDENCES.indexOf(rc.confidence) > CONFIDENCES.indexOf(recognition)) {
        recognition = rc.confidence;
      }
      if (rc.confidence === "possible") {
        uncertainText = appendText(uncertainText, joinConversation(group));
      } else if (rc.confidence === "none" && deps.keepClearedText === true) {
        clearedText = appendText(clearedText, joinConversation(group));
      }
      evidence.push(...rc.evidence);
    }
    if ((recognition === "likely" || recognition === "certain") && !ruleMatch) {
      purposes.unshift("facial-identification");
    }
    // With the model on, a rule match the combined score leaves below `likely` is not asserted
    // (its evidence stays).
    if (deps.model !== undefined && ruleMatch && CONFIDENCES.indexOf(recognition) < 2) {
      for (const p of ["facial-identification", "facial-verification"] as const) {
        const at = purposes.indexOf(p);
        if (at >= 0) purposes.splice(at, 1);
      }
    }
  }
  for (const p of declared.purposes) {
    if (!purposes.includes(p)) purposes.push(p);
    evidence.push({ purpose: p, rule: "declared", where: "header:x-gateway-purpose" });
  }
  const capturedAt: string[] = exif.length === 0 ? NO_TIMES : [];
  for (const e of exif) if (e.capturedAt !== undefined) capturedAt.push(e.capturedAt);
  const pending: PendingCapture = {
    declared: declared.capture,
    operation: input.route.operation,
    windows: frameWindows({
      tenantId: input.tenant.id,
      agencyId: input.agencyId ?? input.tenant.id,
      cameraId: declared.cameraId,
      images: inspection.images,
      purposes,
    }),
    capturedAt,
    now: input.now,
    liveFrameRate: deps.liveFrameRate,
    exifLiveMaxAgeMs: deps.exifLiveMaxAgeMs ?? DEFAULT_EXIF_LIVE_MAX_AGE_MS,
    whatIf: input.whatIf ?? false,
  };
  // Realtime is live whatever the windows say; with no windows there is nothing to share.
  const deferred =
    deps.frames === undefined && pending.windows.length > 0 && pending.operation !== "realtime";
  const capture = deferred
    ? resolveCapture(pending, null, [])
    : resolveCapture(
        pending,
        deps.frames === undefined ? [] : localFrameCounts({ ...pending, frames: deps.frames }),
        camera.conflicts,
      );
  return {
    operation: input.route.operation,
    deployment: input.route.deployment ?? inspection.model ?? null,
    stream: inspection.stream,
    images,
    camera,
    capture: capture.capture,
    captureOrigin: capture.origin,
    purposes,
    evidence,
    unseen: distinctUnseen(inspection),
    recognitionConfidence:
      declared.purposes.includes("facial-identification") ||
      declared.purposes.includes("facial-verification")
        ? "certain"
        : recognition,
    ...judgedText(recognition, uncertainText, clearedText),
    ...(deferred ? { pendingCapture: pending } : {}),
  };
}

/** Two texts for the judge, one after the other. */
function appendText(before: string | undefined, text: string): string {
  return before === undefined ? text : `${before}\n\n${text}`;
}

/**
 * The text a judge would read: the conversations scored `possible`; or, when every conversation
 * scored `none` and the judge screens, all of them.
 */
function judgedText(
  recognition: Confidence,
  uncertain: string | undefined,
  cleared: string | undefined,
): { uncertainText?: string } {
  if (recognition === "possible" && uncertain !== undefined) return { uncertainText: uncertain };
  if (recognition === "none" && cleared !== undefined) return { uncertainText: cleared };
  return {};
}

/** The kinds of content the gateway could not see, each once, in first-seen order. */
function distinctUnseen(inspection: BodyInspection): UnseenKind[] {
  if (inspection.unseen.length === 0) return NO_UNSEEN;
  const out: UnseenKind[] = [];
  for (const u of inspection.unseen) if (!out.includes(u.kind)) out.push(u.kind);
  return out;
}

const NO_UNSEEN: UnseenKind[] = Object.freeze([]) as unknown as UnseenKind[];

/** Classifies a request, synchronously (EXIF included). */
export function classifyRequest(input: ClassifyInput, deps: ClassifierDeps): RequestFacts {
  return factsOf(input, inspectBody(input, deps), deps);
}

/** Distinct origins of a list of images, in first-seen order. */
export function distinctOrigins(items: readonly { origin: ImageOrigin }[]): ImageOrigin[] {
  const out: ImageOrigin[] = [];
  for (const i of items) if (!out.includes(i.origin)) out.push(i.origin);
  return out;
}
