/**
 * What an image's metadata places hold, as located (not yet parsed): the TIFF block of its EXIF,
 * and camera fields found as text. Shared by the per-format readers, which only ever read the
 * container headers and the metadata itself, never the image data.
 */
import type { TextFields } from "./text-fields.js";

/** The located metadata of one image. */
export interface ImageMetadata {
  /** The TIFF block of the image's EXIF, when it has one. */
  tiff?: Uint8Array;
  /** Camera fields found as text (PNG text chunks, XMP), filling what the TIFF block lacks. */
  text: TextFields;
}

/** An APP1 segment's length is 16 bits, so no TIFF block in a JPEG is larger. */
export const MAX_BLOCK = 65_536;
/** Headers walked before giving up: bounds the cost of a PNG cut into thousands of IDATs. */
export const MAX_CHUNKS = 4_096;

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"

/** Whether `bytes` holds `prefix` at `at`. */
export function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** Whether the bytes start with an `Exif\0\0` header. */
export function hasExifHeader(bytes: Uint8Array): boolean {
  return startsWith(bytes, EXIF_HEADER);
}

function isTiff(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a && bytes[3] === 0x00) ||
      (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0x00 && bytes[3] === 0x2a))
  );
}

/** Strips an optional `Exif\0\0` prefix; `undefined` when what remains is not TIFF. */
export function tiffBlock(bytes: Uint8Array): Uint8Array | undefined {
  const block = hasExifHeader(bytes) ? bytes.subarray(6) : bytes;
  return isTiff(block) ? block : undefined;
}

/** Bytes as latin1 text (one character per byte). */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** Bytes as UTF-8 text. */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}
