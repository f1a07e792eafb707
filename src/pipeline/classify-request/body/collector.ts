/**
 * What a body walk accumulates: image inputs, texts and unreadable images. Every `add*` takes
 * `unknown` and ignores what is not of the expected type, so a malformed body is walked, not
 * thrown on.
 */
import type { ImageFormat, ImageInput, TextSource } from "../facts.js";
import { Base64Data } from "../images/byte-source.js";
import { isDataUrl, parseDataUrl } from "../images/data-url.js";
import type { ExifReader } from "../images/exif.js";
import { formatFromMediaType, sniffSource } from "../images/sniff.js";

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
  readonly pending: Promise<void>[] = [];

  constructor(private readonly exif: ExifReader | undefined) {}

  text(value: unknown, where: string): void {
    if (typeof value === "string" && value.trim() !== "") this.texts.push({ where, text: value });
  }

  /** An `image_url`: a remote URL (counted, never fetched) or a `data:` URL. */
  imageUrl(value: unknown, where: string): void {
    if (typeof value !== "string" || value === "") return;
    if (isDataUrl(value)) this.dataUrl(value, where, true);
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
    if (isDataUrl(value)) this.dataUrl(value, where, false);
    else this.inline(new Base64Data(value), "unknown", where);
  }

  private dataUrl(url: string, where: string, mustBeImage: boolean): void {
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
      new Base64Data(url, parsed.payloadStart),
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
    this.images.push(image);
    if (read) {
      this.pending.push(
        read.then((camera) => {
          if (camera) image.exif = camera;
        }),
      );
    }
  }
}
