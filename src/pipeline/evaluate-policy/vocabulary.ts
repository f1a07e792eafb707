/**
 * Cedar compares strings without knowing which ones the gateway can produce, so a policy testing
 * `context.capture == "Live"` or `context.cameraSource == "bodyworn"` validates and then silently
 * never matches. This walks each policy (as Cedar's JSON form) and reports every string literal
 * compared with an attribute whose values the gateway fixes (facts.ts, agency.ts, ISO 3166) but
 * that is not one of them. `policy-gateway check` prints these as warnings; `--strict` fails on them.
 */
import { policySetTextToParts, policyToJson } from "@cedar-policy/cedar-wasm/nodejs";
import { jurisdictionProblem } from "../../config/jurisdictions.js";
import {
  CAMERA_SOURCES,
  CAPTURES,
  ENVIRONMENTS,
  type FactOrigin,
  type ImageOrigin,
  type Mobility,
  OPERATIONS,
  PURPOSES,
  UNSEEN_KINDS,
} from "../classify-request/facts.js";
import { AGENCY_TYPES } from "../identify-tenant/agency.js";
import { sourcesKey } from "./prepared-set.js";
import { SourceText } from "./source-location.js";
import type { PolicySources } from "./types.js";

/** Values an attribute can take: a list, or a check for open-ended but well-defined sets. */
type Vocabulary = { values: readonly string[] } | { check: (value: string) => string | null };

const list = (values: readonly string[]): Vocabulary => ({ values });

const IMAGE_ORIGINS = ["inline", "url", "file-id", "unseen"] as const satisfies ImageOrigin[];
const MOBILITIES = ["mobile", "static", "unknown"] as const satisfies Mobility[];
/** Every way a fact becomes known (facts.ts); the origin attributes take these. */
const FACT_ORIGINS = [
  "declared",
  "exif",
  "tenant-default",
  "realtime",
  "frame-rate",
  "inferred",
  "context",
  "none",
] as const satisfies FactOrigin[];

/** The attributes of `gateway.cedarschema` whose values the gateway alone produces. */
export const VOCABULARIES: Readonly<Record<string, Vocabulary>> = {
  "context.operation": list(OPERATIONS),
  "context.imageOrigins": list(IMAGE_ORIGINS),
  "context.cameraSource": list(CAMERA_SOURCES),
  "context.cameraMobility": list(MOBILITIES),
  "context.environment": list(ENVIRONMENTS),
  "context.cameraSourceOrigin": list(FACT_ORIGINS),
  "context.environmentOrigin": list(FACT_ORIGINS),
  "context.capture": list(CAPTURES),
  "context.captureOrigin": list(FACT_ORIGINS),
  "context.purposes": list(PURPOSES),
  "context.unseen": list(UNSEEN_KINDS),
  "principal.agencyType": list(AGENCY_TYPES),
  "principal.tenantAgencyType": list(AGENCY_TYPES),
  "principal.country": {
    check: (v) => (v.includes("-") ? `\`${v}\` is not a country code` : jurisdictionProblem(v)),
  },
  "principal.subdivision": {
    check: (v) =>
      v === "" || !v.includes("-") ? "expected an ISO 3166-2 code" : jurisdictionProblem(v),
  },
};

/** One string literal a policy compares with an attribute that never takes that value. */
export interface VocabularyMismatch {
  /** `context.capture`, `principal.agencyType`, ... */
  attribute: string;
  value: string;
  /** Why the value cannot occur: the allowed values, or the ISO 3166 problem. */
  why: string;
}

type Json = unknown;
const COMPARISONS = new Set(["==", "!=", "in", "contains", "containsAll", "containsAny"]);

/** `context.x` / `principal.x` (also written `context["x"]`), or null. */
function attributeOf(expr: Json): string | null {
  const dot = (expr as { ".": { left: Json; attr: string } } | null)?.["."];
  if (dot === undefined || dot === null || typeof dot !== "object") return null;
  const v = (dot.left as { Var?: string } | null)?.Var;
  return v === "context" || v === "principal" ? `${v}.${dot.attr}` : null;
}

/** String literals of an expression: a string value, or the strings of a set literal. */
function literalsOf(expr: Json): string[] {
  if (expr === null || typeof expr !== "object") return [];
  const e = expr as { Value?: unknown; Set?: Json[] };
  if (typeof e.Value === "string") return [e.Value];
  if (Array.isArray(e.Set)) return e.Set.flatMap(literalsOf);
  return [];
}

function mismatch(attribute: string, value: string): VocabularyMismatch | null {
  const vocab = VOCABULARIES[attribute];
  if (vocab === undefined) return null;
  if ("values" in vocab) {
    return vocab.values.includes(value)
      ? null
      : { attribute, value, why: `the gateway only produces ${vocab.values.join(", ")}` };
  }
  const why = vocab.check(value);
  return why === null ? null : { attribute, value, why };
}

/** Every mismatch in one policy's JSON form (Cedar's `policyToJson`), in reading order. */
export function vocabularyMismatches(policy: Json): VocabularyMismatch[] {
  const found: VocabularyMismatch[] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      const operands = value as { left?: Json; right?: Json } | null;
      if (COMPARISONS.has(key) && operands !== null && typeof operands === "object") {
        for (const [side, other] of [
          [operands.left, operands.right],
          [operands.right, operands.left],
        ]) {
          const attribute = attributeOf(side);
          if (attribute === null) continue;
          for (const literal of literalsOf(other)) {
            const m = mismatch(attribute, literal);
            if (m !== null) found.push(m);
          }
        }
      }
      walk(value);
    }
  };
  walk(policy);
  return found;
}

/** The warnings of the last policy files read, kept for a reload that leaves them unchanged. */
let last: { key: string; lines: readonly string[] } | undefined;

/**
 * One warning line per mismatch in the policy files, `path:line:col: policy <id>: ...`, pointing
 * at the literal. Files that do not parse are skipped: compiling them reports those errors.
 */
export function vocabularyWarnings(sources: PolicySources): readonly string[] {
  const key = sourcesKey(sources);
  if (last?.key === key) return last.lines;
  const lines = warningsOf(sources);
  last = { key, lines };
  return lines;
}

function warningsOf(sources: PolicySources): string[] {
  const lines: string[] = [];
  for (const file of sources.policies) {
    const src = new SourceText(file.path, file.text);
    const parts = policySetTextToParts(file.text);
    if (parts.type === "failure") continue;
    let from = 0;
    for (const text of parts.policies
      .slice()
      .sort((a, b) => file.text.indexOf(a) - file.text.indexOf(b))) {
      const json = policyToJson(text);
      if (json.type === "failure") continue;
      const start = Math.max(0, file.text.indexOf(text, from));
      from = start;
      const id = json.json.annotations?.["id"] ?? "(no @id)";
      for (const m of vocabularyMismatches(json.json)) {
        const at = file.text.indexOf(JSON.stringify(m.value), start);
        const where = src.at(src.byteOffsetOf(at >= 0 ? at : start));
        lines.push(
          `${where}: policy ${id}: \`${m.attribute}\` is compared with ${JSON.stringify(m.value)}, which it never equals: ${m.why}`,
        );
      }
    }
  }
  return lines;
}
