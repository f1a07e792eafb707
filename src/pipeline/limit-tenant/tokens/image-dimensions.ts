/**
 * Reads an inline image's width and height from its header (image-size: PNG, JPEG, GIF, WebP and
 * more, without decoding pixels), so its tokens can be computed rather than reserved at the
 * maximum. Never throws: bytes that are not a recognisable image give `undefined`.
 */
import { imageSize } from "image-size";

/** The pixel size of an image. */
export interface ImageDimensions {
  width: number;
  height: number;
}

/**
 * How much of a view that shares its memory is copied for image-size, which reads through
 * `DataView`s over the whole underlying buffer and so past the end of a view (a truncated image
 * in Node's shared 8 KiB pool would be sized from its neighbours' bytes). Headers come first; a
 * JPEG frame header after more than 1 MiB of metadata is not found, and the image is reserved
 * at the maximum instead.
 */
const HEADER_BYTES = 1024 * 1024;

/**
 * The dimensions of the image in `bytes`, or `undefined` when they cannot be read (unknown
 * format, truncated header, zero sizes). For multi-image files (ICO, HEIF) the largest. EXIF
 * orientation is ignored: token counts do not change when width and height swap.
 */
export function imageDimensions(bytes: Uint8Array): ImageDimensions | undefined {
  const own =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes
      : new Uint8Array(bytes.subarray(0, HEADER_BYTES));
  try {
    const { width, height } = imageSize(own);
    if (!isSide(width) || !isSide(height)) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

function isSide(n: unknown): n is number {
  return typeof n === "number" && Number.isFinite(n) && n > 0;
}
