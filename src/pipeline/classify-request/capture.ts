/**
 * Live or recorded capture (docs/request-reading.md): `live` when declared, when the call is a
 * realtime session, or when the camera id sends frames faster than the configured rate; `recorded`
 * when declared; otherwise `unknown`. A `recorded` declaration cannot hide an inferred `live`.
 */
import type { Capture, FactOrigin, Operation } from "./facts.js";
import type { FrameWindowStore } from "./frame-rate.js";

/** What capture resolution starts from. */
export interface CaptureInputs {
  declared: Capture | undefined;
  operation: Operation;
  /** `x-gateway-camera-id`, scoped to the tenant by the caller. */
  cameraKey: string | undefined;
  imageCount: number;
  now: number;
  liveFrameRate: { frames: number; withinMs: number };
  frames: FrameWindowStore;
}

/** Resolves capture and how it was known; conflicts are appended to `conflicts`. */
export function resolveCapture(
  input: CaptureInputs,
  conflicts: string[],
): { capture: Capture; origin: FactOrigin } {
  let inferred: FactOrigin | undefined;
  if (input.operation === "realtime") inferred = "realtime";
  if (input.cameraKey !== undefined && input.imageCount > 0) {
    const seen = input.frames.record(
      input.cameraKey,
      input.now,
      input.imageCount,
      input.liveFrameRate.withinMs,
    );
    if (seen >= input.liveFrameRate.frames) inferred ??= "frame-rate";
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
