/**
 * Walkers for each place of an Azure OpenAI request body that can carry an image or a prompt
 * text (docs/request-reading.md). Each takes `unknown` and skips what has the wrong type.
 *
 * Shapes, from the Azure OpenAI REST reference (2025-04-01-preview and v1) and OpenAI's API
 * reference: chat content parts (`text`, `image_url`, `file`, `input_audio`), Responses input
 * items and content (`input_text`, `input_image`, `input_file`, `computer_call_output`,
 * `function_call_output`), assistants message content (`text`, `image_file`, `image_url`) and
 * realtime conversation items (`input_text`, `input_image`).
 */
import type { Collector } from "./collector.js";

export type Json = Record<string, unknown>;

/** JSON Schema nesting followed for parameter descriptions; deeper is not a real tool schema. */
const MAX_SCHEMA_DEPTH = 16;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A message or item content: a string, or a list of parts. */
export function content(c: Collector, value: unknown, where: string): void {
  if (typeof value === "string") c.text(value, where);
  else if (Array.isArray(value)) parts(c, value, where);
}

/** Content parts of every API; the part's own path is its `where`. */
export function parts(c: Collector, list: unknown[], base: string): void {
  for (let j = 0; j < list.length; j++) part(c, list[j], `${base}[${j}]`);
}

export function part(c: Collector, p: unknown, where: string): void {
  if (typeof p === "string") {
    c.text(p, where);
    return;
  }
  if (!isObject(p)) return;
  switch (p["type"]) {
    case "text":
    case "input_text":
    case "output_text": {
      const text = p["text"];
      // Assistants messages read back carry `text: {value, annotations}`.
      c.text(isObject(text) ? text["value"] : text, where);
      return;
    }
    case "image_url": {
      const v = p["image_url"];
      c.imageUrl(isObject(v) ? v["url"] : v, where);
      return;
    }
    case "input_image":
    case "computer_screenshot": {
      const v = p["image_url"];
      if (typeof v === "string" && v !== "") c.imageUrl(v, where);
      else if (isObject(v)) c.imageUrl(v["url"], where);
      else c.fileId(p["file_id"], where);
      return;
    }
    case "image_file": {
      const v = p["image_file"];
      if (isObject(v)) c.fileId(v["file_id"], where);
      return;
    }
    case "file": {
      const v = p["file"];
      if (!isObject(v)) return;
      if (typeof v["file_data"] === "string" && v["file_data"] !== "") {
        c.fileData(v["file_data"], where);
      } else c.fileId(v["file_id"], where);
      return;
    }
    case "input_file": {
      if (typeof p["file_data"] === "string" && p["file_data"] !== "") {
        c.fileData(p["file_data"], where);
      } else if (typeof p["file_id"] === "string" && p["file_id"] !== "") {
        c.fileId(p["file_id"], where);
      } else c.imageUrl(p["file_url"], where);
      return;
    }
    default:
      // input_audio, refusal and unknown parts carry neither an image nor a prompt.
      return;
  }
}

/** Chat and assistants messages: `content`, and the calls an assistant turn made. */
export function messages(c: Collector, value: unknown, base: string): void {
  if (!Array.isArray(value)) return;
  for (let i = 0; i < value.length; i++) message(c, value[i], `${base}[${i}]`);
}

export function message(c: Collector, m: unknown, where: string): void {
  if (!isObject(m)) return;
  content(c, m["content"], `${where}.content`);
  call(c, m["function_call"], `${where}.function_call`);
  const calls = m["tool_calls"];
  if (Array.isArray(calls)) {
    for (let k = 0; k < calls.length; k++) {
      const tc = calls[k];
      if (isObject(tc)) call(c, tc["function"], `${where}.tool_calls[${k}].function`);
    }
  }
}

function call(c: Collector, f: unknown, where: string): void {
  if (!isObject(f)) return;
  c.text(f["name"], `${where}.name`);
  c.text(f["arguments"], `${where}.arguments`);
}

/** Responses `input` items (also realtime `item`s and Responses `instructions` as items). */
export function items(c: Collector, value: unknown, base: string): void {
  if (!Array.isArray(value)) return;
  for (let i = 0; i < value.length; i++) item(c, value[i], `${base}[${i}]`);
}

export function item(c: Collector, it: unknown, where: string): void {
  if (!isObject(it)) return;
  const type = it["type"];
  switch (type) {
    case "function_call_output":
    case "custom_tool_call_output": {
      // A string, or content parts that may include images (Responses function outputs).
      content(c, it["output"], `${where}.output`);
      return;
    }
    case "computer_call_output":
      part(c, it["output"], `${where}.output`);
      return;
    case "function_call":
    case "custom_tool_call":
      c.text(it["name"], `${where}.name`);
      c.text(it["arguments"], `${where}.arguments`);
      c.text(it["input"], `${where}.input`);
      return;
    case "message":
    case undefined:
      // Easy input messages have no `type`; chat-style messages are accepted here too.
      content(c, it["content"], `${where}.content`);
      return;
    default:
      // A bare content part where an item was expected (realtime is lenient about this).
      part(c, it, where);
      return;
  }
}

/**
 * Tool definitions of every API: chat and assistants nest them under `function`, Responses and
 * realtime put `name`/`description`/`parameters` on the tool; MCP tools describe their server.
 */
export function tools(c: Collector, value: unknown, base: string): void {
  if (!Array.isArray(value)) return;
  for (let i = 0; i < value.length; i++) {
    const t = value[i];
    if (!isObject(t)) continue;
    const where = `${base}[${i}]`;
    if (isObject(t["function"])) functionDef(c, t["function"], `${where}.function`);
    else functionDef(c, t, where);
    c.text(t["server_description"], `${where}.server_description`);
  }
}

/** Legacy chat `functions`. */
export function functions(c: Collector, value: unknown, base: string): void {
  if (!Array.isArray(value)) return;
  for (let i = 0; i < value.length; i++) functionDef(c, value[i], `${base}[${i}]`);
}

function functionDef(c: Collector, f: unknown, where: string): void {
  if (!isObject(f)) return;
  c.text(f["name"], `${where}.name`);
  c.text(f["description"], `${where}.description`);
  schema(c, f["parameters"], `${where}.parameters`, 0);
}

/** Descriptions anywhere in a JSON Schema: properties, items, combinators and definitions. */
export function schema(c: Collector, s: unknown, where: string, depth: number): void {
  if (!isObject(s) || depth > MAX_SCHEMA_DEPTH) return;
  c.text(s["description"], `${where}.description`);
  for (const key of ["properties", "$defs", "definitions", "patternProperties"]) {
    const map = s[key];
    if (!isObject(map)) continue;
    for (const name of Object.keys(map)) schema(c, map[name], `${where}.${key}.${name}`, depth + 1);
  }
  for (const key of ["items", "additionalProperties", "not"]) {
    schema(c, s[key], `${where}.${key}`, depth + 1);
  }
  for (const key of ["anyOf", "oneOf", "allOf", "prefixItems"]) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    for (let k = 0; k < list.length; k++) schema(c, list[k], `${where}.${key}[${k}]`, depth + 1);
  }
}
