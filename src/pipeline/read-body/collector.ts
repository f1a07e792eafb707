/**
 * What a body walk accumulates: image inputs, texts and unreadable images. Every `add*` takes
 * `unknown` and ignores what is not of the expected type, so a malformed body is walked, not
 * thrown on.
 *
 * A large body's long base64 strings are placeholders (`large-json.ts`): with the body's blob
 * table, an image is read from the raw bytes, and a placeholder where a text belongs is read as
 * the original string, never as the placeholder, so the result is that of a full parse.
 */

import {
  type ExifCamera,
  type ImageFormat,
  type ImageInput,
  type TextSource,
  UNSEEN_MAY_HIDE_IMAGES,
  type UnseenKind,
} from "../classify-request/facts.js";
import {
  Base64Data,
  type BufferSource,
  type ByteSource,
} from "../classify-request/images/byte-source.js";
import { isDataUrl, isStrictDataUrl, parseDataUrl } from "../classify-request/images/data-url.js";
import type { ExifReader } from "../classify-request/images/exif.js";
import { formatFromMediaType, sniffSource } from "../classify-request/images/sniff.js";
import { imageDimensions } from "../limit-tenant/tokens/index.js";
import type { BlobTable, RawBlob } from "./large-json.js";
import { isStructuralValue } from "./vocabulary.js";

/** A data URL header is read from this many characters (see `parseDataUrl`). */
const DATA_URL_HEAD = 512;

export type { UnseenKind } from "../classify-request/facts.js";

/**
 * One place of the request whose content the model will read but the gateway cannot see
 * (docs/request-reading.md): speech, a remote tool's or connector's results, vector-store chunks,
 * code-interpreter files, a stored prompt template, earlier turns kept server-side, an uploaded
 * file the gateway cannot parse.
 */
export interface Unseen {
  kind: UnseenKind;
  where: string;
}

/** An image the gateway cannot read: the request is answered 400 `InvalidRequest`. */
export interface InvalidImage {
  where: string;
  /** Lower-case reason without user input, e.g. `data url media type is not an image`. */
  reason: string;
}

export class Collector {
  readonly images: ImageInput[] = [];
  readonly texts: TextSource[] = [];
  readonly invalidImages: InvalidImage[] = [];
  readonly unseenContent: Unseen[] = [];
  /** Object keys walked: compared with the raw body's to find duplicate keys. */
  keyCount = 0;
  /** Set when the body nests deeper than the walk reads: the request is refused. */
  tooDeep = false;
  /** Set when a line of an uploaded JSONL file repeats a key: the request is refused. */
  duplicateKeys = false;
  /**
   * The conversation texts belong to: 0 for the request itself, n for the nth line of an uploaded
   * JSONL file (each line is a request of its own, read apart from the others).
   */
  group = 0;
  /** While set, nothing is read as text (a part no model acts on); keys are still counted. */
  silent = false;

  constructor(
    private readonly exif: ExifReader | undefined,
    private readonly blobs?: BlobTable,
  ) {}

  /** A string of the body: a placeholder stands for its original text. */
  string(value: string): string {
    return this.blobs?.get(value)?.text() ?? value;
  }

  /**
   * A string value the API gives no meaning to (a text part's `text` included): a `data:` URL is
   * file data (an image when it says so), an enum word of the API is structure, anything else is
   * text (bare base64 too: the classifier decodes it; and a text that only starts with "Data:",
   * which is no data URL: `isStrictDataUrl`).
   */
  stringValue(value: string, where: string): void {
    const blob = this.blobs?.get(value);
    if (isStrictDataUrl(blob !== undefined ? blob.head(DATA_URL_HEAD) : value)) {
      this.fileData(value, where);
      return;
    }
    if (isStructuralValue(value)) return;
    this.text(value, where);
  }

  /** Audio data: what is spoken cannot be read. */
  audio(where: string): void {
    this.unseen("speech", where);
  }

  /** Content the gateway cannot see; when it may carry images, it counts as one (origin `unseen`). */
  unseen(kind: UnseenKind, where: string): void {
    this.unseenContent.push({ kind, where });
    if (UNSEEN_MAY_HIDE_IMAGES.has(kind)) {
      this.images.push({ origin: "unseen", format: "unknown", bytes: 0, where });
    }
  }

  text(value: unknown, where: string): void {
    if (typeof value !== "string" || this.silent) return;
    const text = this.blobs === undefined ? value : this.string(value);
    if (text.trim() === "") return;
    this.texts.push(this.group === 0 ? { where, text } : { where, text, group: this.group });
  }

  /** An image whose bytes are all there (a multipart part): sized, and its EXIF read. */
  bufferImage(source: BufferSource, format: ImageFormat, where: string): void {
    const image: ImageInput = { origin: "inline", format, bytes: source.byteLength, where };
    sizedBy(image, source);
    this.images.push(image);
    this.fillExif(image, this.exif?.read(source, format));
  }

  /** Sets `image.exif` when the image's metadata names a camera. */
  private fillExif(image: ImageInput, camera: ExifCamera | undefined): void {
    if (camera !== undefined) image.exif = camera;
  }

  /** An `image_url`: a remote URL (counted, never fetched) or a `data:` URL. */
  imageUrl(value: unknown, where: string): void {
    if (typeof value !== "string" || value === "") return;
    const blob = this.blobs?.get(value);
    if (blob !== undefined) {
      const head = blob.head(DATA_URL_HEAD);
      if (isDataUrl(head)) this.dataUrl(head, where, true, blob);
      else this.images.push({ origin: "url", format: "unknown", bytes: 0, where });
    } else if (isDataUrl(value)) this.dataUrl(value, where, true);
    else this.images.push({ origin: "url", format: "unknown", bytes: 0, where });
  }

  fileId(value: unknown, where: string): void {
    if (typeof value === "string" && value !== "") {
      this.images.push({ origin: "file-id", format: "unknown", bytes: 0, where });
    }
  }

  /**
   * File contents (`file_data`): a `data:` URL of any media type, or bare base64. Files count as
   * image inputs whatever their type, because vision models see a PDF's pages as images.
   */
  fileData(value: unknown, where: string): void {
    if (typeof value !== "string" || value === "") return;
    const blob = this.blobs?.get(value);
    if (blob !== undefined) {
      const head = blob.head(DATA_URL_HEAD);
      if (isDataUrl(head)) this.dataUrl(head, where, false, blob);
      else this.inline(blobData(blob, 0), "unknown", where);
    } else if (isDataUrl(value)) this.dataUrl(value, where, false);
    else this.inline(new Base64Data(value), "unknown", where);
  }

  /** `url` is the whole data URL, or, with `blob`, its head (the rest is in the raw bytes). */
  private dataUrl(url: string, where: string, mustBeImage: boolean, blob?: RawBlob): void {
    const parsed = parseDataUrl(url);
    if ("invalid" in parsed) {
      this.invalidImages.push({ where, reason: parsed.invalid });
      return;
    }
    if (mustBeImage && !parsed.mediaType.startsWith("image/")) {
      this.invalidImages.push({ where, reason: "data url media type is not an image" });
      return;
    }
    if (!parsed.base64) {
      this.invalidImages.push({ where, reason: "data url is not base64-encoded" });
      return;
    }
    this.inline(
      blob === undefined
        ? new Base64Data(url, parsed.payloadStart)
        : blobData(blob, parsed.payloadStart),
      formatFromMediaType(parsed.mediaType),
      where,
    );
  }

  private inline(data: Base64Data, declared: ImageFormat, where: string): void {
    // The bytes decide the format; the declared media type only when they match no signature.
    const sniffed = data.invalid === undefined ? sniffSource(data) : "unknown";
    const format = sniffed !== "unknown" ? sniffed : declared;
    const read = data.invalid === undefined ? this.exif?.read(data, sniffed) : undefined;
    if (data.invalid !== undefined) {
      this.invalidImages.push({ where, reason: data.invalid });
      return;
    }
    const image: ImageInput = { origin: "inline", format, bytes: data.byteLength, where };
    sizedBy(image, data);
    this.images.push(image);
    this.fillExif(image, read);
  }
}

/** The base64 of a blob from its `start`th character, read from the raw bytes. */
function blobData(blob: RawBlob, start: number): Base64Data {
  const bytes = blob.bytes();
  return new Base64Data(bytes, start, bytes.length);
}

/** Where an inline image's lazy size reader hides: a symbol, so no serialisation ever sees it. */
const DIMENSIONS: unique symbol = Symbol("gateway.imageDimensions");
type Sized = ImageInput & { [DIMENSIONS]?: () => { width: number; height: number } | undefined };

/** Bytes read from an image's start to find its dimensions (JPEG's frame header may follow EXIF). */
const DIMENSION_HEAD_BYTES = 256 * 1024;

function sizedBy(image: ImageInput, source: ByteSource): void {
  // Not enumerable: comparisons and copies of the inspection never see it.
  Object.defineProperty(image, DIMENSIONS, {
    value: () => {
      const head = source.read(0, DIMENSION_HEAD_BYTES);
      return head === undefined ? undefined : imageDimensions(head);
    },
  });
}

/**
 * The width and height of an inline image, read from its header on demand (the token estimate
 * of `tokensPerMinute`); undefined for URL and file images, or when the header cannot be read.
 */
export function imageDimensionsOf(
  image: ImageInput,
): { width: number; height: number } | undefined {
  return (image as Sized)[DIMENSIONS]?.();
}
