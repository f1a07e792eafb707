import type { RealtimeError } from "openai/resources/realtime/realtime";

/**
 * The `error` of a realtime `error` event as the service sends it: every field present, `param`
 * and `event_id` null when they do not apply. Built without the client's `event_id`, which the
 * session adds when it answers.
 */
export type WireRealtimeError = Required<Omit<RealtimeError, "event_id">>;

function invalidRequest(code: string, message: string, param: string | null): WireRealtimeError {
  return { type: "invalid_request_error", code, message, param };
}

/** A simulator bug while answering an event, the realtime counterpart of Azure's 500. */
export function serverError(): WireRealtimeError {
  return {
    type: "server_error",
    code: "server_error",
    message: "The server had an error while processing your request. Sorry about that!",
    param: null,
  };
}

/** A text frame that is not JSON. */
export function invalidJson(): WireRealtimeError {
  return invalidRequest(
    "invalid_json",
    "The server could not parse the client event: it is not valid JSON.",
    null,
  );
}

/** A binary frame: the Realtime API speaks JSON text frames, so a proxy must not re-frame them. */
export function binaryFrame(): WireRealtimeError {
  return invalidRequest(
    "invalid_value",
    "Binary WebSocket frames are not supported: send each client event as a JSON text frame.",
    null,
  );
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  return `a ${typeof value}`;
}

/** A value of the wrong JSON type, in OpenAI's words. */
export function invalidType(param: string, expected: string, got: unknown): WireRealtimeError {
  return invalidRequest(
    "invalid_type",
    `Invalid type for '${param}': expected ${expected}, but got ${kindOf(got)} instead.`,
    param,
  );
}

/** A required parameter that is absent. */
export function missingParameter(param: string): WireRealtimeError {
  return invalidRequest(
    "missing_required_parameter",
    `Missing required parameter: '${param}'.`,
    param,
  );
}

function quotedList(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]}`;
}

/** A value outside its allowed set (an unknown event type, an item type, a part type). */
export function invalidValue(
  param: string,
  value: unknown,
  supported: readonly string[],
): WireRealtimeError {
  const shown = typeof value === "string" ? value : JSON.stringify(value);
  return invalidRequest(
    "invalid_value",
    `Invalid value: '${shown}'. Supported values are: ${quotedList(supported)}.`,
    param,
  );
}

/** An `input_image` part whose `image_url` is not an image data URL (the only form accepted). */
export function invalidImageUrl(param: string): WireRealtimeError {
  return invalidRequest(
    "invalid_value",
    `Invalid '${param}'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,...').`,
    param,
  );
}

/** An event naming an item the conversation does not hold. */
export function itemNotFound(param: string, id: string): WireRealtimeError {
  return invalidRequest("item_not_found", `Item with item_id '${id}' not found.`, param);
}

/** An item whose client-chosen id is already in the conversation. */
export function duplicateItem(id: string): WireRealtimeError {
  return invalidRequest(
    "item_already_exists",
    `Item with item_id '${id}' already exists in the conversation.`,
    "item.id",
  );
}

/** `input_audio_buffer.commit` with less than 100 ms of audio, the service's minimum. */
export function commitEmpty(milliseconds: number): WireRealtimeError {
  return invalidRequest(
    "input_audio_buffer_commit_empty",
    `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${milliseconds.toFixed(2)}ms of audio.`,
    null,
  );
}

/** `response.create` while a response is still running. */
export function responseActive(responseId: string): WireRealtimeError {
  return invalidRequest(
    "conversation_already_has_active_response",
    `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    null,
  );
}

/** `response.cancel` with no response running (or naming another one). */
export function cancelNotActive(): WireRealtimeError {
  return invalidRequest(
    "response_cancel_not_active",
    "Cancellation failed: no active response found.",
    null,
  );
}
