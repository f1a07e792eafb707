/**
 * Finds where a picture's metadata is, reading only container headers and the metadata itself,
 * never the image data, for every format Azure accepts:
 * - JPEG: the APP1 `Exif\0\0` segment (EXIF 2.32 section 4.5.4) and the APP1 XMP segment, among
 *   the markers before SOS;
 * - PNG: the `eXIf` chunk and the text chunks (`png-metadata.ts`);
 * - WebP: the RIFF `EXIF` and `XMP ` chunks (RFC 9649 section 2.7), which libwebp writes after the
 *   image data, found by walking 8-byte chunk headers;
 * - GIF: comment and XMP extensions before the first image (`gif-metadata.ts`).
 */
import type { ImageFormat } from "../facts.js";
import type { ByteSource } from "./byte-source.js";
import { gifMetadata } from "./gif-metadata.js";
import {
  hasExifHeader,
  type ImageMetadata,
  latin1,
  MAX_BLOCK,
  MAX_CHUNKS,
  tiffBlock,
  utf8,
} from "./metadata.js";
import { pngMetadata } from "./png-metadata.js";
import { fieldsFromXmp, hasFields } from "./text-fields.js";

export type { ImageMetadata } from "./metadata.js";

const XMP_NAMESPACE = "http://ns.adobe.com/xap/1.0/\0";

function found(out: ImageMetadata): ImageMetadata | undefined {
  return out.tiff !== undefined || hasFields(out.text) ? out : undefined;
}

function jpegMetadata(src: ByteSource): ImageMetadata | undefined {
  const out: ImageMetadata = { text: {} };
  let at = 2;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const head = src.read(at, 4);
    if (!head || head.length < 4 || head[0] !== 0xff) break;
    const marker = head[1]!;
    if (marker === 0xff) {
      at += 1; // fill byte (T.81 B.1.1.2)
      continue;
    }
    // SOS starts the entropy-coded data, EOI ends the image: no metadata past either.
    if (marker === 0xda || marker === 0xd9) break;
    // Stand-alone markers (TEM, RSTn) carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = (head[2]! << 8) | head[3]!;
    if (length < 2) break;
    if (marker === 0xe1 && length >= 2 + 6 + 8) {
      const payload = src.read(at + 4, length - 2);
      if (payload && hasExifHeader(payload)) {
        const block = out.tiff === undefined ? tiffBlock(payload) : undefined;
        if (block) out.tiff = block;
      } else if (payload && latin1(payload.subarray(0, XMP_NAMESPACE.length)) === XMP_NAMESPACE) {
        fieldsFromXmp(utf8(payload.subarray(XMP_NAMESPACE.length)), out.text);
      }
    }
    at += 2 + length;
  }
  return found(out);
}

function webpMetadata(src: ByteSource): ImageMetadata | undefined {
  const out: ImageMetadata = { text: {} };
  let at = 12;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    const head = src.read(at, 8);
    if (!head || head.length < 8) break;
    const fourcc = String.fromCharCode(head[0]!, head[1]!, head[2]!, head[3]!);
    const size = (head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! << 24)) >>> 0;
    // The VP8X EXIF and XMP flags are not trusted: some writers add the chunks without setting
    // them, and walking a few more headers costs less than missing a camera.
    if (size <= MAX_BLOCK * 4) {
      if (fourcc === "EXIF" && out.tiff === undefined) {
        const data = src.read(at + 8, size);
        const block = data ? tiffBlock(data) : undefined;
        if (block) out.tiff = block;
      } else if (fourcc === "XMP ") {
        const data = src.read(at + 8, size);
        if (data) fieldsFromXmp(utf8(data), out.text);
      }
    }
    at += 8 + size + (size % 2); // chunks are padded to even sizes
  }
  return found(out);
}

/** The metadata of an image, or `undefined` when it has none (or it cannot be read). */
export function locateMetadata(src: ByteSource, format: ImageFormat): ImageMetadata | undefined {
  switch (format) {
    case "jpeg":
      return jpegMetadata(src);
    case "png":
      return pngMetadata(src);
    case "webp":
      return webpMetadata(src);
    case "gif":
      return gifMetadata(src);
    default:
      return undefined;
  }
}

/** The TIFF block of an image's EXIF, or `undefined` when it has none (or it cannot be read). */
export function locateExif(src: ByteSource, format: ImageFormat): Uint8Array | undefined {
  return locateMetadata(src, format)?.tiff;
}
