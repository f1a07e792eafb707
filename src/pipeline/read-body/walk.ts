/**
 * The whole-body walk (docs/request-reading.md): every object key and every string value of a
 * parsed JSON body, in document order, with its location. Nothing is skipped because the gateway
 * does not know it: knowledge of the API's shapes only decides what a value *is* (an image, audio,
 * a file reference, a reference to content the gateway cannot see) and which words are structure
 * (vocabulary.ts). Everything else is text for the purpose classifier.
 *
 * Locations name the API's own keys (`messages[0].content[1]`) and, for keys the caller chose,
 * their position (`properties{2}`), so the audit's evidence never carries the caller's words.
 */
import type { Collector, UnseenKind } from "./collector.js";
import { keyWords, STRUCTURAL_KEYS, USER_KEYED } from "./vocabulary.js";

export type Json = Record<string, unknown>;

/** Nesting the gateway reads; deeper bodies are refused (no real request nests this deep). */
export const MAX_BODY_DEPTH = 64;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Tool and item types whose content the gateway cannot see, and what they hide. */
const UNSEEN_TYPES: Readonly<Record<string, UnseenKind>> = {
  mcp: "remote-tool",
  connector: "remote-tool",
  file_search: "vector-store",
  code_interpreter: "code-interpreter-files",
};

/**
 * Keys whose string value is an identifier the model never reads (the deployment, an end-user
 * id, a cache key): skipped, so they do not sit between the words of an ask.
 */
const IDENTIFIER_KEYS: ReadonlySet<string> = new Set([
  "model",
  "user",
  "safety_identifier",
  "prompt_cache_key",
  "service_tier",
  "assistant_id",
  "thread_id",
  "run_id",
  "message_id",
  // Realtime: the client's event id (echoed back in errors) and item references.
  "event_id",
  "previous_item_id",
  "item_id",
  "response_id",
]);

/** Walks `value` found at `where`. */
export function walk(c: Collector, value: unknown, where: string, depth: number): void {
  if (depth > MAX_BODY_DEPTH) {
    c.tooDeep = true;
    return;
  }
  if (typeof value === "string") {
    c.stringValue(value, where);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(c, value[i], `${where}[${i}]`, depth + 1);
  } else if (isObject(value)) {
    walkObject(c, value, where, depth, false);
  }
}

function child(where: string, key: string): string {
  return where === "" ? key : `${where}.${key}`;
}

/**
 * An object: shape knowledge first (what its image, audio and file fields are), then every key
 * and value in order. `userKeyed` marks maps whose keys the caller chose (schema properties...).
 */
function walkObject(c: Collector, o: Json, where: string, depth: number, userKeyed: boolean): void {
  const type = o["type"];
  if (typeof type === "string") {
    const unseen = UNSEEN_TYPES[type];
    if (unseen !== undefined) c.unseen(unseen, where);
  }
  const keys = Object.keys(o);
  c.keyCount += keys.length;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const value = o[key];
    if (!userKeyed && IDENTIFIER_KEYS.has(key) && typeof value === "string") continue;
    const at = userKeyed || !STRUCTURAL_KEYS.has(key) ? `${where}{${k}}` : child(where, key);
    if (userKeyed || !STRUCTURAL_KEYS.has(key)) c.text(keyWords(key), `${at}:key`);
    if (!userKeyed && claim(c, key, value, o, where, at, depth)) continue;
    if (isObject(value) && !userKeyed && USER_KEYED.has(key)) {
      if (depth + 1 > MAX_BODY_DEPTH) c.tooDeep = true;
      else walkObject(c, value, at, depth + 1, true);
    } else {
      walk(c, value, at, depth + 1);
    }
  }
}

/**
 * Values whose meaning the API fixes by their key: images, audio, files and references to
 * content the gateway cannot see. Returns true when the value is fully handled.
 */
function claim(
  c: Collector,
  key: string,
  value: unknown,
  parent: Json,
  owner: string,
  where: string,
  depth: number,
): boolean {
  switch (key) {
    case "image_url":
    case "file_url":
      if (typeof value === "string") {
        c.imageUrl(value, owner);
        return true;
      }
      if (isObject(value) && typeof value["url"] === "string") {
        c.imageUrl(value["url"], owner);
        const { url: _url, ...rest } = value;
        walkObject(c, rest, where, depth + 1, false);
        c.keyCount += 1;
        return true;
      }
      return false;
    case "file_data":
      if (typeof value !== "string") return false;
      c.fileData(value, owner);
      return true;
    case "file_id":
    case "input_file_id":
      if (typeof value !== "string") return false;
      c.fileId(value, owner);
      return true;
    case "file_ids":
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) c.fileId(value[i], `${where}[${i}]`);
      return value.every((v) => typeof v === "string");
    case "data":
      // Chat `input_audio: {data, format}`.
      if (typeof value !== "string" || typeof parent["format"] !== "string") return false;
      c.audio(where);
      return true;
    case "audio":
      // Realtime `input_audio` content and `input_audio_buffer.append`: base64 audio.
      if (typeof value !== "string") return false;
      c.audio(where);
      return true;
    case "vector_store_ids":
      if (Array.isArray(value) && value.length > 0) c.unseen("vector-store", where);
      return false;
    case "connector_id":
    case "server_url":
      c.unseen("remote-tool", where);
      return false;
    case "previous_response_id":
      if (typeof value === "string" && value !== "") c.unseen("stored-context", where);
      return typeof value === "string";
    case "conversation":
      if (typeof value === "string" || isObject(value)) c.unseen("stored-context", where);
      return false;
    case "prompt":
      // A Responses prompt template stored server-side: its text is not in the request.
      if (isObject(value) && typeof value["id"] === "string") c.unseen("stored-prompt", where);
      return false;
    default:
      return false;
  }
}
