import { newId } from "../ids.js";
import { invalidImageUrl, invalidType, invalidValue, missingParameter } from "./errors.js";
import { type Checked, type JsonObject, objectOf } from "./wire.js";

/** Item types `conversation.item.create` accepts. */
const ITEM_TYPES: readonly string[] = ["message", "function_call", "function_call_output"];
const ROLES: readonly string[] = ["user", "assistant", "system"];
/** Content part types a message may carry (`text` / `output_text` for assistant text). */
const PART_TYPES: readonly string[] = [
  "input_text",
  "input_image",
  "input_audio",
  "text",
  "output_text",
];
const TEXT_PARTS: ReadonlySet<string> = new Set(["input_text", "text", "output_text"]);

/** A conversation item as stored and echoed, with the audio bytes it carried (for usage). */
export interface NewItem {
  readonly item: JsonObject;
  readonly audioBytes: number;
}

function requiredString(source: JsonObject, field: string, param: string): Checked<string> {
  const value = source[field];
  if (value === undefined) return { error: missingParameter(param) };
  if (typeof value !== "string") return { error: invalidType(param, "a string", value) };
  return { value };
}

/** One content part as stored: audio is counted, not kept, and not echoed (as on the service). */
function partOf(raw: unknown, param: string): Checked<{ part: JsonObject; audioBytes: number }> {
  const part = objectOf(raw);
  if (part === undefined) return { error: invalidType(param, "an object", raw) };
  const type = part["type"];
  if (type === undefined) return { error: missingParameter(`${param}.type`) };
  if (typeof type !== "string" || !PART_TYPES.includes(type)) {
    return { error: invalidValue(`${param}.type`, type, PART_TYPES) };
  }
  if (TEXT_PARTS.has(type)) {
    const text = requiredString(part, "text", `${param}.text`);
    if ("error" in text) return text;
    return { value: { part: { type, text: text.value }, audioBytes: 0 } };
  }
  if (type === "input_image") {
    const url = requiredString(part, "image_url", `${param}.image_url`);
    if ("error" in url) return url;
    if (!/^data:image\/[\w.+-]+;base64,/i.test(url.value)) {
      return { error: invalidImageUrl(`${param}.image_url`) };
    }
    const detail = typeof part["detail"] === "string" ? { detail: part["detail"] } : {};
    return { value: { part: { type, image_url: url.value, ...detail }, audioBytes: 0 } };
  }
  const audio = part["audio"];
  if (audio !== undefined && typeof audio !== "string") {
    return { error: invalidType(`${param}.audio`, "a string", audio) };
  }
  const transcript = typeof part["transcript"] === "string" ? part["transcript"] : null;
  const audioBytes = audio === undefined ? 0 : Buffer.byteLength(audio, "base64");
  return { value: { part: { type, transcript }, audioBytes } };
}

function messageOf(item: JsonObject, base: JsonObject): Checked<NewItem> {
  const role = item["role"];
  if (role === undefined) return { error: missingParameter("item.role") };
  if (typeof role !== "string" || !ROLES.includes(role)) {
    return { error: invalidValue("item.role", role, ROLES) };
  }
  const content = item["content"];
  if (content === undefined) return { error: missingParameter("item.content") };
  if (!Array.isArray(content)) return { error: invalidType("item.content", "an array", content) };
  const parts: JsonObject[] = [];
  let audioBytes = 0;
  for (const [index, raw] of content.entries()) {
    const checked = partOf(raw, `item.content[${index}]`);
    if ("error" in checked) return checked;
    parts.push(checked.value.part);
    audioBytes += checked.value.audioBytes;
  }
  return { value: { item: { ...base, role, content: parts }, audioBytes } };
}

function functionCallOf(item: JsonObject, base: JsonObject): Checked<NewItem> {
  const name = requiredString(item, "name", "item.name");
  if ("error" in name) return name;
  const args = requiredString(item, "arguments", "item.arguments");
  if ("error" in args) return args;
  const callId = item["call_id"];
  if (callId !== undefined && typeof callId !== "string") {
    return { error: invalidType("item.call_id", "a string", callId) };
  }
  return {
    value: {
      item: {
        ...base,
        name: name.value,
        call_id: callId ?? newId.realtimeCall(),
        arguments: args.value,
      },
      audioBytes: 0,
    },
  };
}

function functionOutputOf(item: JsonObject, base: JsonObject): Checked<NewItem> {
  const callId = requiredString(item, "call_id", "item.call_id");
  if ("error" in callId) return callId;
  const output = requiredString(item, "output", "item.output");
  if ("error" in output) return output;
  return {
    value: { item: { ...base, call_id: callId.value, output: output.value }, audioBytes: 0 },
  };
}

/**
 * The item of a `conversation.item.create` as the conversation stores it: a fresh object (the
 * recorded client event is never changed) with an `id` (`item_...` when the client sent none),
 * `object`, `status: "completed"` and the fields of its type; or the error the service answers.
 */
export function newItemOf(event: JsonObject): Checked<NewItem> {
  if (!("item" in event)) return { error: missingParameter("item") };
  const item = objectOf(event["item"]);
  if (item === undefined) return { error: invalidType("item", "an object", event["item"]) };
  const type = item["type"];
  if (type === undefined) return { error: missingParameter("item.type") };
  if (typeof type !== "string" || !ITEM_TYPES.includes(type)) {
    return { error: invalidValue("item.type", type, ITEM_TYPES) };
  }
  const id = item["id"];
  if (id !== undefined && typeof id !== "string") {
    return { error: invalidType("item.id", "a string", id) };
  }
  const base: JsonObject = {
    id: id === undefined || id === "" ? newId.realtimeItem() : id,
    object: "realtime.item",
    type,
    status: "completed",
  };
  if (type === "message") return messageOf(item, base);
  if (type === "function_call") return functionCallOf(item, base);
  return functionOutputOf(item, base);
}

/** The user item an `input_audio_buffer.commit` adds: audio is never echoed, only counted. */
export function audioItem(id: string): JsonObject {
  return {
    id,
    object: "realtime.item",
    type: "message",
    status: "completed",
    role: "user",
    content: [{ type: "input_audio", transcript: null }],
  };
}
