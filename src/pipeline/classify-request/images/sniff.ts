import type { ImageFormat } from "../facts.js";
import type { ByteSource } from "./byte-source.js";

/** Bytes needed by `sniffFormat`: the 12-byte RIFF/WebP header is the longest signature. */
export const SNIFF_BYTES = 12;

/**
 * The format the bytes say they are, by magic number (the WHATWG MIME Sniffing standard, section
 * 6.1 "Matching an image type pattern"); `unknown` when none matches.
 */
export function sniffFormat(head: Uint8Array): ImageFormat {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "jpeg";
  if (
    head.length >= 4 &&
    head[0] === 0x89 &&
    head[1] === 0x50 &&
    head[2] === 0x4e &&
    head[3] === 0x47
  ) {
    return "png";
  }
  if (
    head.length >= 4 &&
    head[0] === 0x47 &&
    head[1] === 0x49 &&
    head[2] === 0x46 &&
    head[3] === 0x38
  ) {
    return "gif";
  }
  if (
    head.length >= 12 &&
    head[0] === 0x52 && // R
    head[1] === 0x49 && // I
    head[2] === 0x46 && // F
    head[3] === 0x46 && // F
    head[8] === 0x57 && // W
    head[9] === 0x45 && // E
    head[10] === 0x42 && // B
    head[11] === 0x50 // P
  ) {
    return "webp";
  }
  return "unknown";
}

export function sniffSource(source: ByteSource): ImageFormat {
  const head = source.read(0, SNIFF_BYTES);
  return head ? sniffFormat(head) : "unknown";
}

/** The format a media type declares (`image/jpeg` and its aliases); `unknown` otherwise. */
export function formatFromMediaType(mediaType: string): ImageFormat {
  switch (mediaType) {
    case "image/jpeg":
    case "image/jpg":
    case "image/pjpeg":
      return "jpeg";
    case "image/png":
    case "image/apng":
      return "png";
    case "image/webp":
      return "webp";
    case "image/gif":
      return "gif";
    default:
      return "unknown";
  }
}
