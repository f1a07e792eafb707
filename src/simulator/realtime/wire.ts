import type { WireRealtimeError } from "./errors.js";

/** A JSON object as the realtime code reads and builds it. */
export type JsonObject = Record<string, unknown>;

/**
 * What a client event's validation returns: the value, or the error the service answers with (the
 * realtime counterpart of the HTTP handlers' `Built<T>`).
 */
export type Checked<T> = { readonly value: T } | { readonly error: WireRealtimeError };

/**
 * A server event before the sender stamps its `event_id`. Loosely typed on purpose: the preview
 * dialect's events (`response.text.delta`, `modalities`, ...) are not in the openai SDK's types,
 * which describe the GA protocol only.
 */
export interface ServerEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A JSON object value, or undefined for anything else (arrays and null included). */
export function objectOf(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}
