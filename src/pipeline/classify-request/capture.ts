/**
 * Live or recorded capture (docs/configuration.md "Live or recorded capture"): `live` when
 * declared, when the call is a realtime session, when any frame-rate window the request feeds is
 * over the configured rate, or when an image's EXIF capture time is recent; `recorded` when
 * declared; otherwise `unknown`. A `recorded` declaration cannot hide an inferred `live` (the
 * conflict is recorded); nothing inferred ever turns a declared `live` into `recorded`.
 */
import type { FrameWindow } from "./capture-windows.js";
import { isRecentCapture } from "./exif-capture-time.js";
import type { Capture, FactOrigin, Operation, RequestFacts } from "./facts.js";
import type { FrameWindowStore } from "./frame-rate.js";

/** What capture resolution starts from (without the window store: see {@link CaptureInputs}). */
export interface PendingCapture {
  declared: Capture | undefined;
  operation: Operation;
  /** The frame-rate windows this request feeds (`frameWindows`). */
  windows: readonly FrameWindow[];
  /** EXIF capture times of the request's images (ISO 8601, as `ExifCamera.capturedAt`). */
  capturedAt: readonly string[];
  now: number;
  liveFrameRate: { frames: number; withinMs: number };
  exifLiveMaxAgeMs: number;
  /** A what-if call reads the windows and never records in them. */
  whatIf: boolean;
}

/** Capture inputs with a process-local window store (one process, offline tools, tests). */
export interface CaptureInputs extends PendingCapture {
  frames: FrameWindowStore;
}

/**
 * Arrivals in each window, this request's included, from the local store: fed (or, for what-if,
 * only read).
 */
export function localFrameCounts(input: CaptureInputs): number[] {
  const { frames: store, liveFrameRate: rate, now } = input;
  return input.windows.map((w) =>
    input.whatIf
      ? store.count(w.key, now, rate.withinMs) + w.frames
      : store.record(w.key, now, w.frames, rate.withinMs),
  );
}

/**
 * Resolves capture and how it was known; conflicts are appended to `conflicts`. `counts` are the
 * arrivals in each of `input.windows` (from the shared store), or null when the store could not be
 * read: then no window makes the capture `live`, and a declared `recorded` that could not be
 * checked against them becomes `unknown` (docs/operations.md "When the store is down").
 */
export function resolveCapture(
  input: PendingCapture,
  counts: readonly number[] | null,
  conflicts: string[],
): { capture: Capture; origin: FactOrigin } {
  let inferred: FactOrigin | undefined;
  if (input.operation === "realtime") inferred = "realtime";
  const over = counts?.some((n) => n >= input.liveFrameRate.frames) === true;
  if (over) inferred ??= "frame-rate";
  if (
    inferred === undefined &&
    input.capturedAt.some((t) => isRecentCapture(t, input.now, input.exifLiveMaxAgeMs))
  ) {
    inferred = "exif";
  }
  if (inferred !== undefined) {
    if (input.declared !== undefined && input.declared !== "live") {
      conflicts.push(`capture: declared \`${input.declared}\` vs ${inferred} \`live\``);
    }
    return { capture: "live", origin: inferred };
  }
  if (input.declared === "recorded" && counts === null && input.windows.length > 0) {
    conflicts.push("capture: declared `recorded` unverified (shared store unavailable)");
    return { capture: "unknown", origin: "none" };
  }
  if (input.declared !== undefined && input.declared !== "unknown") {
    return { capture: input.declared, origin: "declared" };
  }
  return { capture: "unknown", origin: "none" };
}

/**
 * Settles a provisional capture once the admission step has counted the request's windows in the
 * shared store (`counts`, or null when the store could not answer): the facts without
 * `pendingCapture`, and with the conflicts of the settled resolution.
 */
export function finishCapture(facts: RequestFacts, counts: readonly number[] | null): RequestFacts {
  const pending = facts.pendingCapture;
  if (pending === undefined) return facts;
  const conflicts = [...facts.camera.conflicts];
  const { capture, origin } = resolveCapture(pending, counts, conflicts);
  const { pendingCapture: _, ...settled } = facts;
  return {
    ...settled,
    capture,
    captureOrigin: origin,
    camera:
      conflicts.length === facts.camera.conflicts.length
        ? facts.camera
        : { ...facts.camera, conflicts },
  };
}

/** {@link resolveCapture} on a process-local window store (offline tools, tests). */
export function resolveLocalCapture(
  input: CaptureInputs,
  conflicts: string[],
): { capture: Capture; origin: FactOrigin } {
  return resolveCapture(input, localFrameCounts(input), conflicts);
}
