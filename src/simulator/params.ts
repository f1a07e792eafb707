import { type AzureError, badRequest, tooLarge } from "./azure-errors.js";
import { type Exchange, sendError } from "./exchange.js";

/** A JSON object body, as handlers read it. */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * The JSON object body of a JSON operation, or undefined after answering Azure's 400 (or 413) for a
 * body that is missing, malformed or not an object.
 */
export function requireJsonObject(exchange: Exchange): JsonObject | undefined {
  const { body } = exchange;
  if (body.kind === "too-large") {
    sendError(exchange, tooLarge("The request body is too large."));
    return undefined;
  }
  if (body.kind === "invalid-json") {
    sendError(exchange, badRequest("Could not parse the request body as JSON."));
    return undefined;
  }
  if (
    body.kind !== "json" ||
    typeof body.value !== "object" ||
    body.value === null ||
    Array.isArray(body.value)
  ) {
    sendError(
      exchange,
      badRequest("The request body must be a JSON object with content type application/json."),
    );
    return undefined;
  }
  return body.value as JsonObject;
}

/** A positive integer parameter, or undefined when absent or of another type. */
export function positiveInteger(body: JsonObject, name: string): number | undefined {
  const value = body[name];
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** A string parameter, or undefined when absent or of another type. */
export function stringParam(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * What a body builder returns: the answer, or the Azure error the request earns. Builders are pure
 * (no exchange), so the HTTP handlers and the batch runner share them.
 */
export type Built<T> = { readonly value: T } | { readonly error: AzureError };

/** A JSON object value, or undefined for anything else (arrays and null included). */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** The `metadata` parameter as OpenAI echoes it: an object of strings, else `{}`. */
export function metadataParam(body: JsonObject): Record<string, string> {
  const metadata = asObject(body["metadata"]);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value === "string") out[key] = value;
  }
  return out;
}
