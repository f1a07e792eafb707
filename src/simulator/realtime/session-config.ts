import { invalidType, missingParameter } from "./errors.js";
import { type Checked, type JsonObject, objectOf } from "./wire.js";

/** Session fields `session.update` cannot change; the service keeps its own. */
const FIXED_FIELDS: ReadonlySet<string> = new Set(["id", "object", "model", "expires_at", "type"]);

/** Top-level fields whose value must be of one JSON type when present. */
const TYPED_FIELDS: ReadonlyArray<readonly [string, "string" | "array" | "object"]> = [
  ["instructions", "string"],
  ["voice", "string"],
  ["tools", "array"],
  ["modalities", "array"],
  ["output_modalities", "array"],
  ["audio", "object"],
];

function hasType(value: unknown, kind: "string" | "array" | "object"): boolean {
  if (kind === "array") return Array.isArray(value);
  if (kind === "object") return objectOf(value) !== undefined;
  return typeof value === "string";
}

/** The `session` of a `session.update`, or the error the service answers for it. */
export function sessionUpdateOf(event: JsonObject): Checked<JsonObject> {
  if (!("session" in event)) return { error: missingParameter("session") };
  const session = objectOf(event["session"]);
  if (session === undefined)
    return { error: invalidType("session", "an object", event["session"]) };
  for (const [field, kind] of TYPED_FIELDS) {
    const value = session[field];
    if (value !== undefined && !hasType(value, kind)) {
      const expected = kind === "array" ? "an array" : `a ${kind}`;
      return { error: invalidType(`session.${field}`, expected, value) };
    }
  }
  return { value: session };
}

function merged(current: JsonObject, update: JsonObject, top: boolean): JsonObject {
  const out: JsonObject = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (top && FIXED_FIELDS.has(key)) continue;
    const base = objectOf(out[key]);
    const next = objectOf(value);
    // Nested objects (GA's `audio.input.turn_detection`) merge field by field; anything else,
    // arrays and null included, replaces the old value, as `session.update` documents.
    out[key] = base !== undefined && next !== undefined ? merged(base, next, false) : value;
  }
  return out;
}

/** The session after an update: only the fields present change, fixed fields never do. */
export function mergeSession(current: JsonObject, update: JsonObject): JsonObject {
  return merged(current, update, true);
}
