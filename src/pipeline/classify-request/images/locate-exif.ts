/**
 * Finds the TIFF block that holds a picture's EXIF, reading only container headers and the block
 * itself, never the image data:
 * - JPEG: the APP1 `Exif\0\0` segment among the markers before SOS (EXIF 2.32 section 4.5.4);
 * - PNG: the `eXIf` chunk (PNG 3rd edition section 11.3.3.6), or ImageMagick's hex
 *   `Raw profile type exif|APP1` text chunk; chunks are walked by their 8-byte headers, so IDAT
 *   data is skipped, not read, and an `eXIf` after IDAT is still found;
 * - WebP: the RIFF `EXIF` chunk (RFC 9649 section 2.7), which libwebp writes after the image data,
 *   also found by walking 8-byte chunk headers;
 * - GIF has no EXIF container.
 */
import { inflateSync } from "node:zlib";
import type { ImageFormat } from "../facts.js";
import type { ByteSource } from "./byte-source.js";

/** An APP1 segment's length is 16 bits, so no TIFF block in a JPEG is larger. */
const MAX_BLOCK = 65_536;
/** Headers walked before giving up: bounds the cost of a PNG cut into thousands of IDATs. */
const MAX_CHUNKS = 4_096;

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function isTiff(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a && bytes[3] === 0x00) ||
      (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0x00 && bytes[3] === 0x2a))
  );
}

/** Strips an optional `Exif\0\0` prefix; `undefined` when what remains is not TIFF. */
function tiffBlock(bytes: Uint8Array): Uint8Array | undefined {
  const block = startsWith(bytes, EXIF_HEADER) ? bytes.subarray(6) : bytes;
  return isTiff(block) ? block : undefined;
}

function jpegExif(src: ByteSource): Uint8Array | undefined {
  let at = 2;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const head = src.read(at, 4);
    if (!head || head.length < 4 || head[0] !== 0xff) return undefined;
    const marker = head[1]!;
    if (marker === 0xff) {
      at += 1; // fill byte (T.81 B.1.1.2)
      continue;
    }
    // SOS starts the entropy-coded data, EOI ends the image: no metadata past either.
    if (marker === 0xda || marker === 0xd9) return undefined;
    // Stand-alone markers (TEM, RSTn) carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = (head[2]! << 8) | head[3]!;
    if (length < 2) return undefined;
    if (marker === 0xe1 && length >= 2 + 6 + 8) {
      const payload = src.read(at + 4, length - 2);
      if (payload && startsWith(payload, EXIF_HEADER)) {
        const block = tiffBlock(payload);
        if (block) return block;
      }
    }
    at += 2 + length;
  }
  return undefined;
}

const RAW_PROFILE_KEYWORDS = new Set(["Raw profile type exif", "Raw profile type APP1"]);

/** ImageMagick's text form: `\n<name>\n<length>\n<hex lines>`. */
function rawProfile(text: string): Uint8Array | undefined {
  const m = /^\s*\S+\s+(\d+)\s+([0-9a-fA-F\s]+)$/.exec(text);
  if (!m) return undefined;
  const hex = m[2]!.replace(/\s+/g, "");
  const bytes = Buffer.from(hex.slice(0, Number(m[1]) * 2), "hex");
  return tiffBlock(bytes);
}

function pngTextExif(type: string, data: Uint8Array): Uint8Array | undefined {
  const nul = data.indexOf(0);
  if (nul < 1) return undefined;
  const keyword = Buffer.from(data.subarray(0, nul)).toString("latin1");
  if (!RAW_PROFILE_KEYWORDS.has(keyword)) return undefined;
  try {
    if (type === "tEXt") return rawProfile(Buffer.from(data.subarray(nul + 1)).toString("latin1"));
    if (type === "zTXt") {
      // keyword NUL, compression method (0 = zlib), compressed text (PNG section 11.3.3.4)
      const text = inflateSync(data.subarray(nul + 2), { maxOutputLength: MAX_BLOCK * 4 });
      return rawProfile(text.toString("latin1"));
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function pngExif(src: ByteSource): Uint8Array | undefined {
  let at = 8;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const head = src.read(at, 8);
    if (!head || head.length < 8) return undefined;
    const length = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    const type = String.fromCharCode(head[4]!, head[5]!, head[6]!, head[7]!);
    if (type === "IEND") return undefined;
    if (type === "eXIf" && length <= MAX_BLOCK * 4) {
      const data = src.read(at + 8, length);
      return data ? tiffBlock(data) : undefined;
    }
    if ((type === "tEXt" || type === "zTXt") && length <= MAX_BLOCK * 4) {
      const data = src.read(at + 8, length);
      const block = data ? pngTextExif(type, data) : undefined;
      if (block) return block;
    }
    at += 12 + length;
  }
  return undefined;
}

function webpExif(src: ByteSource): Uint8Array | undefined {
  let at = 12;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const head = src.read(at, 8);
    if (!head || head.length < 8) return undefined;
    const fourcc = String.fromCharCode(head[0]!, head[1]!, head[2]!, head[3]!);
    const size = (head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! << 24)) >>> 0;
    // The VP8X EXIF flag (bit 3) is not trusted: some writers add the chunk without setting it,
    // and walking a few more headers costs less than missing a camera.
    if (fourcc === "EXIF" && size <= MAX_BLOCK * 4) {
      const data = src.read(at + 8, size);
      return data ? tiffBlock(data) : undefined;
    }
    at += 8 + size + (size % 2); // chunks are padded to even sizes
  }
  return undefined;
}

/** The TIFF block of an image's EXIF, or `undefined` when it has none (or it cannot be read). */
export function locateExif(src: ByteSource, format: ImageFormat): Uint8Array | undefined {
  switch (format) {
    case "jpeg":
      return jpegExif(src);
    case "png":
      return pngExif(src);
    case "webp":
      return webpExif(src);
    default:
      return undefined;
  }
}
