/**
 * Body inspection: one pass over a request body that finds every image input, every text the
 * model will read and every place whose content the gateway cannot see (docs/request-reading.md).
 * JSON bodies are walked whole (walk.ts); multipart bodies part by part, with uploaded JSONL files
 * walked line by line like the requests they hold. Pure and synchronous, EXIF included.
 */
import type { ImageInput, Operation, TextSource } from "../classify-request/facts.js";
import { BufferSource } from "../classify-request/images/byte-source.js";
import type { ExifReader } from "../classify-request/images/exif.js";
import { formatFromMediaType, sniffFormat } from "../classify-request/images/sniff.js";
import { Collector, type InvalidImage, type Unseen } from "./collector.js";
import { countJsonKeys } from "./duplicate-keys.js";
import { blobsOf } from "./large-json.js";
import type { MultipartPart } from "./multipart.js";
import { keyWords, STRUCTURAL_KEYS } from "./vocabulary.js";
import { isObject, walk } from "./walk.js";

export type { InvalidImage, Unseen, UnseenKind } from "./collector.js";

export interface BodyInspection {
  images: ImageInput[];
  texts: TextSource[];
  /** The body's `model` (the deployment on the v1 path), when a string. */
  model?: string;
  stream: boolean;
  /** Images whose data cannot be read; non-empty means 400 `InvalidRequest` (unparseable image data). */
  invalidImages: InvalidImage[];
  /** Places whose content the model reads but the gateway cannot see. */
  unseen: Unseen[];
  /** Object keys walked (JSON bodies): fewer than the raw body holds means a duplicate key. */
  keyCount: number;
  /** The body nests deeper than the gateway reads: the request is refused. */
  tooDeep: boolean;
  /** A line of an uploaded JSONL file repeats a key: the request is refused. */
  duplicateKeys: boolean;
}

function result(c: Collector, stream: boolean, model: string | undefined): BodyInspection {
  const r: BodyInspection = {
    images: c.images,
    texts: c.texts,
    stream,
    invalidImages: c.invalidImages,
    unseen: c.unseenContent,
    keyCount: c.keyCount,
    tooDeep: c.tooDeep,
    duplicateKeys: c.duplicateKeys,
  };
  if (model !== undefined) r.model = model;
  return r;
}

/**
 * Walks a parsed JSON body whole. Never throws. `exif` reads camera metadata of inline images;
 * without it, images are still found, sized and sniffed. A large body parsed by `parseJsonBody`
 * (placeholders for its base64 strings) reads the same as its full parse: images come from the
 * raw bytes through the body's blob table.
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
  }
  if (isObject(body) && INPUT_IS_NOT_A_PROMPT.has(operation) && "input" in body) {
    // Embeddings vectorise `input` and speech reads it aloud: no model acts on what it asks.
    // Its keys are still counted (duplicate keys), its text not read.
    const { input, ...rest } = body;
    c.keyCount += 1;
    c.silent = true;
    walk(c, input, "input", 1);
    c.silent = false;
    walk(c, rest, "", 0);
  } else if (body !== undefined) {
    walk(c, body, "", 0);
  }
  return result(c, stream, model);
}

/** Operations whose `input` is not a prompt: embeddings vectorise it, speech reads it aloud. */
const INPUT_IS_NOT_A_PROMPT: ReadonlySet<Operation> = new Set(["embeddings", "audio.speech"]);

/** Operations whose uploaded file is speech. */
const AUDIO_OPERATIONS: ReadonlySet<Operation> = new Set([
  "audio.transcriptions",
  "audio.translations",
]);

/**
 * Inspects the parts of a multipart body: text fields are texts (their unknown names too), image
 * parts are images (sniffed, sized, EXIF read from the whole part), audio is speech, text files
 * (JSONL batch and fine-tuning files among them) are read, each JSONL line walked as the request
 * it holds; any other file is content the gateway cannot see.
 */
export function inspectMultipart(
  operation: Operation,
  parts: readonly MultipartPart[],
  exif?: ExifReader,
): BodyInspection {
  const c = new Collector(exif);
  let model: string | undefined;
  let stream = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const where = STRUCTURAL_KEYS.has(part.name.replace(/\[\]$/, ""))
      ? `multipart:${part.name}`
      : `multipart{${i}}`;
    if (!STRUCTURAL_KEYS.has(part.name.replace(/\[\]$/, "")))
      c.text(keyWords(part.name), `${where}:key`);
    if (part.value !== undefined) {
      if (part.name === "model") model = part.value;
      else if (part.name === "stream") stream = part.value === "true";
      c.stringValue(part.value, where);
      continue;
    }
    filePart(c, operation, part, where);
  }
  return result(c, stream, model);
}

function filePart(c: Collector, operation: Operation, part: MultipartPart, where: string): void {
  const data = part.data ?? Buffer.alloc(0);
  const sniffed = sniffFormat(data.subarray(0, 64));
  const declared = part.contentType.split(";")[0]!.trim().toLowerCase();
  if (sniffed !== "unknown" || declared.startsWith("image/")) {
    c.bufferImage(
      new BufferSource(data),
      sniffed !== "unknown" ? sniffed : formatFromMediaType(declared),
      where,
    );
    return;
  }
  if (
    AUDIO_OPERATIONS.has(operation) ||
    declared.startsWith("audio/") ||
    declared.startsWith("video/")
  ) {
    c.audio(where);
    return;
  }
  const text = utf8Text(data);
  if (text === undefined) {
    c.unseen("file-content", where);
    return;
  }
  const lines = jsonLines(text);
  if (lines === undefined) {
    c.text(text, where);
    return;
  }
  for (let n = 0; n < lines.length; n++) {
    c.group = n + 1;
    const before = c.keyCount;
    walk(c, lines[n]!.value, `${where}:line${n + 1}`, 0);
    // A repeated key in a line: the gateway would judge one copy, Azure's reader may run the other.
    if (countJsonKeys(Buffer.from(lines[n]!.raw, "utf8")) !== c.keyCount - before) {
      c.duplicateKeys = true;
    }
  }
  c.group = 0;
}

/**
 * The requests held by the JSON Lines files of a multipart upload, one value per line: the
 * objects they name are checked for ownership like a request body's (own-objects/hook.ts).
 */
export function uploadedJsonLines(parts: readonly MultipartPart[]): unknown[] {
  const out: unknown[] = [];
  for (const part of parts) {
    if (part.data === undefined) continue;
    const text = utf8Text(part.data);
    const lines = text === undefined ? undefined : jsonLines(text);
    for (const line of lines ?? []) out.push(line.value);
  }
  return out;
}

/** The data as text when it is valid UTF-8 without NUL bytes; undefined for binary data. */
function utf8Text(data: Buffer): string | undefined {
  if (data.includes(0)) return undefined;
  const text = data.toString("utf8");
  return text.includes("\uFFFD") && !data.includes(Buffer.from("\uFFFD", "utf8"))
    ? undefined
    : text;
}

/** The lines of a JSON Lines text with their values, or undefined when some line is not JSON. */
function jsonLines(text: string): { raw: string; value: unknown }[] | undefined {
  const out: { raw: string; value: unknown }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    try {
      out.push({ raw: line, value: JSON.parse(line) });
    } catch {
      return undefined;
    }
  }
  return out.length > 0 ? out : undefined;
}
