/**
 * PNG metadata (PNG 3rd edition section 11.3): the `eXIf` chunk, and the text chunks (`tEXt`,
 * `zTXt`, `iTXt`) where ImageMagick and other tools put camera fields (`Make`, `exif:Model`, ...),
 * ImageMagick's hex `Raw profile type exif|APP1` dump of the EXIF, and XMP
 * (`XML:com.adobe.xmp`). Chunks are walked by their 8-byte headers, so IDAT data is skipped, not
 * read, and metadata after IDAT is still found.
 */
import { inflateSync } from "node:zlib";
import type { ByteSource } from "./byte-source.js";
import { type ImageMetadata, latin1, MAX_BLOCK, MAX_CHUNKS, tiffBlock, utf8 } from "./metadata.js";
import { fieldFromKeyword, fieldsFromXmp, hasFields } from "./text-fields.js";

/** Largest metadata chunk read: a text chunk beyond this is not camera metadata. */
const MAX_TEXT_CHUNK = MAX_BLOCK * 4;

const RAW_PROFILE_KEYWORDS = new Set(["Raw profile type exif", "Raw profile type APP1"]);
const XMP_KEYWORD = "XML:com.adobe.xmp";

/** ImageMagick's text form: `\n<name>\n<length>\n<hex lines>`. */
function rawProfile(text: string): Uint8Array | undefined {
  const m = /^\s*\S+\s+(\d+)\s+([0-9a-fA-F\s]+)$/.exec(text);
  if (!m) return undefined;
  const hex = m[2]!.replace(/\s+/g, "");
  const bytes = Buffer.from(hex.slice(0, Number(m[1]) * 2), "hex");
  return tiffBlock(bytes);
}

function inflate(data: Uint8Array): Uint8Array {
  return inflateSync(data, { maxOutputLength: MAX_TEXT_CHUNK });
}

/** The keyword and text of a text chunk (PNG sections 11.3.3.3 to 11.3.3.5). */
function textChunk(type: string, data: Uint8Array): { keyword: string; text: string } | undefined {
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79) return undefined;
  const keyword = latin1(data.subarray(0, nul));
  if (type === "tEXt") return { keyword, text: latin1(data.subarray(nul + 1)) };
  if (type === "zTXt") {
    // keyword NUL, compression method (0 = zlib), compressed text
    return { keyword, text: latin1(inflate(data.subarray(nul + 2))) };
  }
  // iTXt: keyword NUL, compression flag, method, language NUL, translated keyword NUL, UTF-8 text
  const compressed = data[nul + 1] === 1;
  const language = data.indexOf(0, nul + 3);
  const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
  if (translated < 0) return undefined;
  const body = data.subarray(translated + 1);
  return { keyword, text: utf8(compressed ? inflate(body) : body) };
}

function readText(type: string, data: Uint8Array, out: ImageMetadata): void {
  let chunk: { keyword: string; text: string } | undefined;
  try {
    chunk = textChunk(type, data);
  } catch {
    return; // a corrupt zlib stream: no metadata from this chunk
  }
  if (!chunk) return;
  if (RAW_PROFILE_KEYWORDS.has(chunk.keyword)) {
    const block = out.tiff === undefined ? rawProfile(chunk.text) : undefined;
    if (block) out.tiff = block;
  } else if (chunk.keyword === XMP_KEYWORD) {
    fieldsFromXmp(chunk.text, out.text);
  } else {
    fieldFromKeyword(chunk.keyword, chunk.text, out.text);
  }
}

/** The metadata of a PNG, or `undefined` when it has none that names a camera. */
export function pngMetadata(src: ByteSource): ImageMetadata | undefined {
  const out: ImageMetadata = { text: {} };
  let at = 8;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const head = src.read(at, 8);
    if (!head || head.length < 8) break;
    const length = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    const type = String.fromCharCode(head[4]!, head[5]!, head[6]!, head[7]!);
    if (type === "IEND") break;
    if (length <= MAX_TEXT_CHUNK) {
      if (type === "eXIf" && out.tiff === undefined) {
        const data = src.read(at + 8, length);
        const block = data ? tiffBlock(data) : undefined;
        if (block) out.tiff = block;
      } else if (type === "tEXt" || type === "zTXt" || type === "iTXt") {
        const data = src.read(at + 8, length);
        if (data) readText(type, data, out);
      }
    }
    at += 12 + length;
  }
  return out.tiff !== undefined || hasFields(out.text) ? out : undefined;
}
