/**
 * Body inspection: one pass over a parsed JSON request body that finds every image input and every
 * prompt text, on every API shape of docs/request-reading.md. Pure and synchronous; the only
 * asynchronous work, parsing the EXIF block of inline images with exifr, is handed back as
 * `pendingExif`, present only when some inline image carries EXIF.
 */

import type { ImageInput, Operation, TextSource } from "../classify-request/facts.js";
import type { ExifReader } from "../classify-request/images/exif.js";
import { Collector, type InvalidImage } from "./collector.js";
import { blobsOf } from "./large-json.js";
import {
  content,
  functions,
  isObject,
  item,
  items,
  type Json,
  messages,
  part,
  schema,
  tools,
} from "./walk.js";

export type { InvalidImage } from "./collector.js";

export interface BodyInspection {
  images: ImageInput[];
  texts: TextSource[];
  /** The body's `model` (the deployment on the v1 path), when a string. */
  model?: string;
  stream: boolean;
  /** Images whose data cannot be read; non-empty means 400 `InvalidRequest` (unparseable image data). */
  invalidImages: InvalidImage[];
  /**
   * Present only when an inline image carries an EXIF block: settles (never rejects) once every
   * such `images[i].exif` is filled. Await it before reading EXIF; text-only requests have none.
   */
  pendingExif?: Promise<void>;
}

/** Operations whose `input` is not a prompt: embeddings vectorise it, speech reads it aloud. */
const INPUT_IS_NOT_A_PROMPT: ReadonlySet<Operation> = new Set([
  "embeddings",
  "audio.speech",
  "audio.transcriptions",
  "audio.translations",
]);

/**
 * Walks a parsed JSON body. Never throws: a value of the wrong type is skipped. `exif` reads
 * camera metadata of inline images; without it, images are still found, sized and sniffed.
 * A large body parsed by `parseJsonBody` (placeholders for its base64 strings) reads the same as
 * its full parse: images come from the raw bytes through the body's blob table.
 */
export function inspectJsonBody(
  operation: Operation,
  body: unknown,
  exif?: ExifReader,
): BodyInspection {
  const c = new Collector(exif, blobsOf(body));
  let model: string | undefined;
  let stream = false;
  if (isObject(body)) {
    if (typeof body["model"] === "string") model = c.string(body["model"]);
    stream = body["stream"] === true;
    walkRoot(c, body, operation);
  }
  const result: BodyInspection = {
    images: c.images,
    texts: c.texts,
    stream,
    invalidImages: c.invalidImages,
  };
  if (model !== undefined) result.model = model;
  if (c.pending.length > 0) result.pendingExif = Promise.all(c.pending).then(() => undefined);
  return result;
}

function walkRoot(c: Collector, b: Json, operation: Operation): void {
  // Chat completions (classic and v1), assistants threads.
  messages(c, b["messages"], "messages");
  functions(c, b["functions"], "functions");
  tools(c, b["tools"], "tools");
  // Responses and assistants: `instructions` is a string, or (Responses prompts) input items.
  instructions(c, b["instructions"], "instructions");
  c.text(b["additional_instructions"], "additional_instructions");
  messages(c, b["additional_messages"], "additional_messages");
  const thread = b["thread"];
  if (isObject(thread)) messages(c, thread["messages"], "thread.messages");
  // POST /threads/{id}/messages: the body is one message.
  if (typeof b["role"] === "string") content(c, b["content"], "content");
  if (operation === "assistants") {
    c.text(b["name"], "name");
    c.text(b["description"], "description");
  }
  if (!INPUT_IS_NOT_A_PROMPT.has(operation)) {
    const input = b["input"];
    if (typeof input === "string") c.text(input, "input");
    else items(c, input, "input");
  }
  prompt(c, b["prompt"]);
  // images/edits with a JSON body (gpt-image-1): `images: [{image_url} | {file_id}]`, `mask`.
  const images = b["images"];
  if (Array.isArray(images)) {
    for (let i = 0; i < images.length; i++) imageReference(c, images[i], `images[${i}]`);
  }
  imageReference(c, b["mask"], "mask");
  // Realtime client events: session.update, conversation.item.create, response.create; and the
  // `session` of a realtime client-secret request.
  for (const key of ["session", "response"]) {
    const s = b[key];
    if (!isObject(s)) continue;
    instructions(c, s["instructions"], `${key}.instructions`);
    tools(c, s["tools"], `${key}.tools`);
    items(c, s["input"], `${key}.input`);
  }
  if (isObject(b["item"])) item(c, b["item"], "item");
  // Structured output schemas describe what the caller wants back.
  const format = b["response_format"];
  if (isObject(format) && isObject(format["json_schema"])) {
    const js = format["json_schema"];
    c.text(js["description"], "response_format.json_schema.description");
    schema(c, js["schema"], "response_format.json_schema.schema", 0);
  }
}

function instructions(c: Collector, value: unknown, where: string): void {
  if (typeof value === "string") c.text(value, where);
  else items(c, value, where);
}

/** Completions and image generation `prompt` (string or list); Responses prompt templates. */
function prompt(c: Collector, value: unknown): void {
  if (typeof value === "string") {
    c.text(value, "prompt");
  } else if (Array.isArray(value)) {
    // Token arrays (numbers) are skipped: the gateway does not detokenise.
    for (let i = 0; i < value.length; i++) c.text(value[i], `prompt[${i}]`);
  } else if (isObject(value) && isObject(value["variables"])) {
    const vars = value["variables"];
    for (const name of Object.keys(vars)) {
      const v = vars[name];
      if (typeof v === "string") c.text(v, `prompt.variables.${name}`);
      else part(c, v, `prompt.variables.${name}`);
    }
  }
}

/** `{image_url}` or `{file_id}` (images/edits JSON). */
function imageReference(c: Collector, value: unknown, where: string): void {
  if (!isObject(value)) return;
  if (typeof value["image_url"] === "string") c.imageUrl(value["image_url"], where);
  else c.fileId(value["file_id"], where);
}
