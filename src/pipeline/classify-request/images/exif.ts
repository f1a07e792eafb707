/**
 * Camera metadata of inline images: make, model, serial number and capture time, mapped through
 * the camera catalogue.
 *
 * Synchronous and cheap: `locateMetadata` reads container headers and the metadata only, and
 * `readTiffTags` reads the six tags used from the TIFF block (it replaced exifr, which is
 * promise-only and cost about 8% of an image call: docs/performance.md, "Issue 14, round three").
 */
import type { ExifCamera, ImageFormat } from "../facts.js";
import type { ByteSource } from "./byte-source.js";
import type { CameraCatalogue } from "./camera-catalogue.js";
import { type ImageMetadata, locateMetadata } from "./locate-exif.js";
import type { TextFields } from "./text-fields.js";
import { readTiffTags, type TiffTagValues } from "./tiff-tags.js";

export interface ExifReader {
  /** The camera the image's metadata names, or `undefined`; never throws. */
  read(source: ByteSource, format: ImageFormat): ExifCamera | undefined;
}

const MAKE = 0x010f;
const MODEL = 0x0110;
const DATE_TIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;
/** EXIF 2.3 BodySerialNumber (ExifTool's `SerialNumber`), in the EXIF IFD. */
const BODY_SERIAL_NUMBER = 0xa431;
/** DNG CameraSerialNumber, in IFD0. */
const CAMERA_SERIAL_NUMBER = 0xc62f;

const IFD0_TAGS = [MAKE, MODEL, CAMERA_SERIAL_NUMBER] as const;
const EXIF_TAGS = [DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL, BODY_SERIAL_NUMBER] as const;

/** Longest make or model kept: EXIF ASCII fields are unbounded; the audit record is not. */
const MAX_TEXT = 64;

function cleanText(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  // EXIF ASCII fields are NUL-padded; control characters never belong in a make or model.
  const text = value
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .trim()
    .replace(/\s+/g, " ");
  return text === "" ? undefined : text.slice(0, MAX_TEXT);
}

// EXIF `YYYY:MM:DD HH:MM:SS`, or XMP's ISO 8601 `YYYY-MM-DDTHH:MM:SS`, maybe with a zone.
const EXIF_DATE =
  /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?/;
const EXIF_OFFSET = /^[+-]\d{2}:\d{2}$/;

/**
 * EXIF `YYYY:MM:DD HH:MM:SS` as ISO 8601; with OffsetTimeOriginal (EXIF 2.31), or a zone written
 * in the date itself (XMP), it carries its zone, otherwise it is a local time, as the camera
 * recorded it. Blank (`0000:00:00 ...`) dates drop.
 */
export function exifDateToIso(date: unknown, offset?: unknown): string | undefined {
  if (typeof date !== "string") return undefined;
  const m = EXIF_DATE.exec(date.trim());
  if (!m || m[1] === "0000") return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  const zone = typeof offset === "string" ? offset.trim() : "";
  if (EXIF_OFFSET.test(zone)) return iso + zone;
  return m[7] === undefined ? iso : iso + (m[7] === "Z" ? "+00:00" : m[7]);
}

export interface ExifReaderOptions {
  catalogue?: CameraCatalogue;
}

/** The camera that the TIFF tags name, each field the text fields fill when the tags lack it. */
function cameraOf(
  tags: TiffTagValues | undefined,
  text: TextFields,
  catalogue: CameraCatalogue | undefined,
): ExifCamera | undefined {
  const t = tags ?? {};
  const camera: ExifCamera = {};
  const make = cleanText(t[MAKE]) ?? cleanText(text.make);
  const model = cleanText(t[MODEL]) ?? cleanText(text.model);
  const serial =
    cleanText(t[BODY_SERIAL_NUMBER]) ??
    cleanText(t[CAMERA_SERIAL_NUMBER]) ??
    cleanText(text.serial);
  const capturedAt =
    exifDateToIso(t[DATE_TIME_ORIGINAL], t[OFFSET_TIME_ORIGINAL]) ??
    exifDateToIso(text.dateTimeOriginal, text.offsetTimeOriginal);
  if (make !== undefined) camera.make = make;
  if (model !== undefined) camera.model = model;
  if (serial !== undefined) camera.serial = serial;
  if (capturedAt !== undefined) camera.capturedAt = capturedAt;
  if (make === undefined && model === undefined && capturedAt === undefined) return undefined;
  const match = catalogue?.lookup(make, model);
  if (match) {
    camera.source = match.source;
    camera.catalogueId = match.id;
  }
  return camera;
}

function readMetadata(
  meta: ImageMetadata,
  catalogue: CameraCatalogue | undefined,
): ExifCamera | undefined {
  const tags = meta.tiff === undefined ? undefined : readTiffTags(meta.tiff, IFD0_TAGS, EXIF_TAGS);
  return cameraOf(tags, meta.text, catalogue);
}

/** An EXIF reader that maps the cameras it finds through `options.catalogue`. */
export function createExifReader(options: ExifReaderOptions = {}): ExifReader {
  const { catalogue } = options;
  return {
    read(source, format) {
      const meta = locateMetadata(source, format);
      return meta === undefined ? undefined : readMetadata(meta, catalogue);
    },
  };
}
