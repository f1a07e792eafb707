/**
 * Camera source, mobility and environment under the trust rule of docs/api.md:
 * declarations can add restrictions, never remove what the gateway inferred. Where a declaration
 * and an inference (EXIF, or the tenant default when the tenant may not declare) disagree, the
 * more restrictive value wins and the conflict is recorded. Pure.
 */
import type {
  CameraFacts,
  CameraSource,
  Environment,
  ExifCamera,
  FactOrigin,
  Mobility,
} from "./facts.js";

/** How much a camera source restricts what is allowed: mobile cameras the most (rule 2). */
const SOURCE_RANK: Record<CameraSource, number> = {
  "body-worn": 3,
  dashcam: 3,
  drone: 3,
  handheld: 3,
  unknown: 2,
  upload: 1,
  fixed: 0,
};

/** `uncontrolled` restricts most; `controlled` is what the rule 4 exemption needs. */
const ENVIRONMENT_RANK: Record<Environment, number> = {
  uncontrolled: 2,
  unknown: 1,
  controlled: 0,
};

/** Mobility of a camera source (section 4). */
export function mobilityOf(source: CameraSource): Mobility {
  switch (source) {
    case "body-worn":
    case "dashcam":
    case "drone":
    case "handheld":
      return "mobile";
    case "fixed":
      return "static";
    default:
      return "unknown";
  }
}

/** What the camera resolution starts from. */
export interface CameraInputs {
  declaredSource: CameraSource | undefined;
  declaredEnvironment: Environment | undefined;
  /** Whether the tenant may declare camera facts that replace its configured defaults. */
  declaredAllowed: boolean;
  tenantSource: CameraSource | undefined;
  tenantEnvironment: Environment | undefined;
  /** EXIF of the inline images, in request order. */
  exif: readonly ExifCamera[];
}

interface Candidate<T> {
  value: T;
  origin: FactOrigin;
}

function stricter<T extends string>(
  rank: Record<T, number>,
  a: Candidate<T>,
  b: Candidate<T>,
  what: string,
  conflicts: string[],
): Candidate<T> {
  if (a.value === b.value) return a;
  conflicts.push(`${what}: ${a.origin} \`${a.value}\` vs ${b.origin} \`${b.value}\``);
  return rank[b.value] > rank[a.value] ? b : a;
}

/**
 * One fact under the trust rule. An inference (EXIF) stands unless a declaration is more
 * restrictive. Without one, a permitted declaration replaces the tenant default; a forbidden one
 * can only restrict the default (or `unknown` when the tenant has none).
 */
function resolveOne<T extends string>(
  rank: Record<T, number>,
  what: string,
  conflicts: string[],
  input: {
    inferred: Candidate<T> | undefined;
    declared: T | undefined;
    tenantDefault: T | undefined;
    declaredAllowed: boolean;
  },
): Candidate<T | "unknown"> {
  const declared: Candidate<T> | undefined =
    input.declared === undefined ? undefined : { value: input.declared, origin: "declared" };
  if (input.inferred !== undefined) {
    return declared === undefined
      ? input.inferred
      : stricter(rank, input.inferred, declared, what, conflicts);
  }
  const base: Candidate<T> | undefined =
    input.tenantDefault !== undefined
      ? { value: input.tenantDefault, origin: "tenant-default" }
      : input.declaredAllowed
        ? undefined
        : { value: "unknown" as T, origin: "none" };
  if (declared !== undefined && base !== undefined && !input.declaredAllowed) {
    return stricter(rank, base, declared, what, conflicts);
  }
  return declared ?? base ?? { value: "unknown", origin: "none" };
}

/** Resolves the camera facts of a request. */
export function resolveCamera(input: CameraInputs): CameraFacts {
  const conflicts: string[] = [];

  // Inferred source: the most restrictive EXIF verdict among the images.
  let inferred: Candidate<CameraSource> | undefined;
  let exif: CameraFacts["exif"];
  for (const e of input.exif) {
    if (exif === undefined && (e.make !== undefined || e.model !== undefined)) {
      exif = {};
      if (e.make !== undefined) exif.make = e.make;
      if (e.model !== undefined) exif.model = e.model;
    }
    if (e.source === undefined) continue;
    const c: Candidate<CameraSource> = { value: e.source, origin: "exif" };
    inferred =
      inferred === undefined ? c : stricter(SOURCE_RANK, inferred, c, "camera source", conflicts);
  }

  const source = resolveOne(SOURCE_RANK, "camera source", conflicts, {
    inferred,
    declared: input.declaredSource,
    tenantDefault: input.tenantSource,
    declaredAllowed: input.declaredAllowed,
  });
  const environment = resolveOne(ENVIRONMENT_RANK, "environment", conflicts, {
    inferred: undefined,
    declared: input.declaredEnvironment,
    tenantDefault: input.tenantEnvironment,
    declaredAllowed: input.declaredAllowed,
  });

  const facts: CameraFacts = {
    source: source.value,
    mobility: mobilityOf(source.value),
    environment: environment.value,
    origin: { source: source.origin, environment: environment.origin },
    conflicts,
  };
  if (exif !== undefined) facts.exif = exif;
  return facts;
}
