/**
 * Image parts of multipart bodies (`images/edits`, `images/variations`, file uploads), judged from
 * the part headers and the first bytes the stream delivers: nothing is buffered beyond them.
 *
 * EXIF that lies within those first bytes (a JPEG APP1 segment, a PNG `eXIf` before IDAT) is read;
 * a WebP's trailing EXIF chunk is not reachable from a prefix and is left out.
 */
import type { ImageInput } from "../facts.js";
import { BufferSource } from "./byte-source.js";
import type { ExifReader } from "./exif.js";
import { formatFromMediaType, sniffFormat } from "./sniff.js";

/** How many leading bytes of a part a caller should hand over: one full APP1 segment and more. */
export const MULTIPART_PREFIX_BYTES = 65_536 + 4_096;

export interface MultipartPartHeaders {
  /** Form field name, e.g. `image`, `image[]`, `mask`, `file`. */
  name?: string;
  filename?: string;
  contentType?: string;
}

export interface MultipartImagePart {
  /** `bytes` is 0 here; the caller sets it to the part's size once the part has been streamed. */
  image: ImageInput;
}

/**
 * An image input when the part is an image (its bytes sniff as one, or its content type says
 * `image/*`), otherwise `undefined` (a text field, or a file that is not an image).
 */
export function inspectMultipartImagePart(
  headers: MultipartPartHeaders,
  firstBytes: Uint8Array,
  exif?: ExifReader,
): MultipartImagePart | undefined {
  const sniffed = sniffFormat(firstBytes);
  const declared = (headers.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (sniffed === "unknown" && !declared.startsWith("image/")) return undefined;
  const image: ImageInput = {
    origin: "inline",
    format: sniffed !== "unknown" ? sniffed : formatFromMediaType(declared),
    bytes: 0,
    where: `multipart:${headers.name ?? "?"}`,
  };
  const camera = exif?.read(new BufferSource(firstBytes), image.format);
  if (camera !== undefined) image.exif = camera;
  return { image };
}
