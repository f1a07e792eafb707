/**
 * Which frame-rate windows one request feeds (docs/configuration.md "Live or recorded capture").
 * A stream must not escape the live rate by rotating or omitting `x-gateway-camera-id`, so a
 * request with images feeds several windows, and any one over the rate makes capture `live`:
 * - the declared camera id, when sent;
 * - each camera its images' EXIF names (make, model and serial number when present);
 * - as a fallback for images whose EXIF names no camera (stripped, or never written), the tenant's
 *   (and customer's) recognition requests, when it asks for facial identification or
 *   verification: one arrival per request, whatever camera id it declares (ids can be rotated).
 * Pure.
 */
import type { ImageInput, Purpose } from "./facts.js";
import { normaliseMake, normaliseModel } from "./images/camera-catalogue.js";

/** One window a request feeds, and how many arrivals it adds. */
export interface FrameWindow {
  key: string;
  frames: number;
}

/** What the window keys are made of. */
export interface WindowInputs {
  tenantId: string;
  /** The effective agency: the tenant, or the customer it acts for. */
  agencyId: string;
  /** `x-gateway-camera-id`, when sent. */
  cameraId: string | undefined;
  images: readonly ImageInput[];
  purposes: readonly Purpose[];
}

const NO_WINDOWS: readonly FrameWindow[] = Object.freeze([]);

function isRecognition(purposes: readonly Purpose[]): boolean {
  return purposes.includes("facial-identification") || purposes.includes("facial-verification");
}

/** The windows a request feeds; none for a request without images. */
export function frameWindows(input: WindowInputs): readonly FrameWindow[] {
  const { images } = input;
  if (images.length === 0) return NO_WINDOWS;
  // NUL cannot occur in a header value or an EXIF ASCII field, so keys cannot collide.
  const scope = `${input.tenantId}\u0000${input.agencyId}`;
  const out: FrameWindow[] = [];
  if (input.cameraId !== undefined) {
    out.push({ key: `camera\u0000${scope}\u0000${input.cameraId}`, frames: images.length });
  }
  const byCamera = new Map<string, number>();
  for (const image of images) {
    const e = image.exif;
    if (e === undefined || (e.make === undefined && e.model === undefined)) continue;
    const make = e.make === undefined ? "" : normaliseMake(e.make);
    const model = e.model === undefined ? "" : normaliseModel(e.model);
    const key = `exif\u0000${scope}\u0000${make}\u0000${model}\u0000${e.serial ?? ""}`;
    byCamera.set(key, (byCamera.get(key) ?? 0) + 1);
  }
  for (const [key, frames] of byCamera) out.push({ key, frames });
  // The fallback for images that name no camera: a camera id can be rotated, EXIF stripped.
  if (byCamera.size === 0 && isRecognition(input.purposes)) {
    out.push({ key: `recognition\u0000${scope}`, frames: 1 });
  }
  return out;
}
