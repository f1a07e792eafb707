/**
 * The `x-gateway-*` declarations a request may carry (docs/api.md), validated: an invalid
 * value is a 400, never silently ignored.
 */
import { errors } from "../../errors.js";
import {
  CAMERA_SOURCES,
  CAPTURES,
  type CameraSource,
  type Capture,
  ENVIRONMENTS,
  type Environment,
  PURPOSES,
  type Purpose,
} from "./facts.js";

type Headers = Record<string, string | string[] | undefined>;

/** What the request declared about itself. */
export interface Declarations {
  cameraSource?: CameraSource;
  environment?: Environment;
  capture?: Capture;
  cameraId?: string;
  purposes: Purpose[];
}

const CAMERA_ID = /^[\x21-\x7e]{1,128}$/;

function single(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  const value = (Array.isArray(v) ? v.join(",") : v).trim();
  return value;
}

function oneOf<T extends string>(
  headers: Headers,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = single(headers, name);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(lower))
    throw errors.invalidHeader(name, value, allowed);
  return lower as T;
}

/** Reads and validates the declaration headers. */
export function readDeclarations(headers: Headers): Declarations {
  const out: Declarations = { purposes: [] };
  const source = oneOf(headers, "x-gateway-camera-source", CAMERA_SOURCES);
  if (source !== undefined) out.cameraSource = source;
  const environment = oneOf(headers, "x-gateway-environment", ENVIRONMENTS);
  if (environment !== undefined) out.environment = environment;
  const capture = oneOf(headers, "x-gateway-capture", CAPTURES);
  if (capture !== undefined) out.capture = capture;
  const cameraId = single(headers, "x-gateway-camera-id");
  if (cameraId !== undefined) {
    if (!CAMERA_ID.test(cameraId)) {
      throw errors.invalidHeader("x-gateway-camera-id", cameraId, [
        "1 to 128 visible ASCII characters",
      ]);
    }
    out.cameraId = cameraId;
  }
  const purposes = single(headers, "x-gateway-purpose");
  if (purposes !== undefined) {
    for (const raw of purposes.split(",")) {
      const p = raw.trim().toLowerCase();
      if (p === "") continue;
      if (!(PURPOSES as readonly string[]).includes(p)) {
        throw errors.invalidHeader("x-gateway-purpose", raw.trim(), PURPOSES);
      }
      if (!out.purposes.includes(p as Purpose)) out.purposes.push(p as Purpose);
    }
  }
  return out;
}
