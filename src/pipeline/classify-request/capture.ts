/**
 * Live or recorded capture (docs/configuration.md "Live or recorded capture"): `live` when
 * declared, when the call is a realtime session, when any frame-rate window the request feeds is
 * over the configured rate, or when an image's EXIF capture time is recent; `recorded` when
 * declared; otherwise `unknown`. A `recorded` declaration cannot hide an inferred `live` (the
 * conflict is recorded); nothing inferred ever turns a declared `live` into `recorded`.
 */
import type { FrameWindow } from "./capture-windows.js";
import { isRecentCapture } from "./exif-capture-time.js";
import type { Capture, FactOrigin, Operation } from "./facts.js";
import type { FrameWindowStore } from "./frame-rate.js";

/** What capture resolution starts from. */
export interface CaptureInputs {
  declared: Capture | undefined;
  operation: Operation;
  /** The frame-rate windows this request feeds (`frameWindows`). */
  windows: readonly FrameWindow[];
  /** EXIF capture times of the request's images (ISO 8601, as `ExifCamera.capturedAt`). */
  capturedAt: readonly string[];
  now: number;
  liveFrameRate: { frames: number; withinMs: number };
  exifLiveMaxAgeMs: number;
  frames: FrameWindowStore;
  /** A what-if call reads the windows and never records in them. */
  whatIf: boolean;
}

/** Feeds (or, for what-if, only reads) every window; true when any is at the live rate. */
function overLiveRate(input: CaptureInputs): boolean {
  const { frames: store, liveFrameRate: rate, now } = input;
  let over = false;
  for (const w of input.windows) {
    const seen = input.whatIf
      ? store.count(w.key, now, rate.withinMs) + w.frames
      : store.record(w.key, now, w.frames, rate.withinMs);
    if (seen >= rate.frames) over = true; // no early exit: every window sees this request
  }
  return over;
}

/** Resolves capture and how it was known; conflicts are appended to `conflicts`. */
export function resolveCapture(
  input: CaptureInputs,
  conflicts: string[],
): { capture: Capture; origin: FactOrigin } {
  let inferred: FactOrigin | undefined;
  if (input.operation === "realtime") inferred = "realtime";
  if (input.windows.length > 0 && overLiveRate(input)) inferred ??= "frame-rate";
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
  if (input.declared !== undefined && input.declared !== "unknown") {
    return { capture: input.declared, origin: "declared" };
  }
  return { capture: "unknown", origin: "none" };
}
