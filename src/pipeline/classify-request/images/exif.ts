/**
 * Camera metadata of inline images: make, model and capture time, mapped through the camera
 * catalogue.
 *
 * Finding the metadata is synchronous and cheap (`locateExif` reads container headers and the
 * TIFF block only); parsing the block uses exifr, whose API is promise-only (it has no sync path,
 * README "API": every entry point returns a Promise). So `read` returns a promise only when an
 * image carries a TIFF block, and `undefined` otherwise: images without EXIF, and requests without
 * images, never allocate one.
 */
import exifr from "exifr";
import type { ExifCamera, ImageFormat } from "../facts.js";
import type { ByteSource } from "./byte-source.js";
import type { CameraCatalogue } from "./camera-catalogue.js";
import { locateExif } from "./locate-exif.js";

export interface ExifReader {
  /**
   * Synchronously locates the image's TIFF block; returns `undefined` when there is none, else a
   * promise of the camera it names (never rejects).
   */
  read(source: ByteSource, format: ImageFormat): Promise<ExifCamera | undefined> | undefined;
}

const MAKE = 0x010f;
const MODEL = 0x0110;
const DATE_TIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;

/**
 * Numeric tags skip exifr's name dictionaries (README "Tag filters"); raw values keep EXIF's own
 * date form, which has no time zone, instead of a `Date` in the gateway's local zone.
 */
const EXIFR_OPTIONS = Object.freeze({
  tiff: true,
  ifd0: { pick: [MAKE, MODEL] },
  exif: { pick: [DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL] },
  ifd1: false,
  gps: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  makerNote: false,
  userComment: false,
  translateKeys: false,
  translateValues: false,
  reviveValues: false,
  mergeOutput: true,
  silentErrors: true,
  chunked: false,
});

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

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const EXIF_OFFSET = /^[+-]\d{2}:\d{2}$/;

/**
 * EXIF `YYYY:MM:DD HH:MM:SS` as ISO 8601; with OffsetTimeOriginal (EXIF 2.31) it carries its zone,
 * otherwise it is a local time, as the camera recorded it. Blank (`0000:00:00 ...`) dates drop.
 */
export function exifDateToIso(date: unknown, offset?: unknown): string | undefined {
  if (typeof date !== "string") return undefined;
  const m = EXIF_DATE.exec(date.trim());
  if (!m || m[1] === "0000") return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  const zone = typeof offset === "string" ? offset.trim() : "";
  return EXIF_OFFSET.test(zone) ? iso + zone : iso;
}

export interface ExifReaderOptions {
  catalogue?: CameraCatalogue;
}

async function parseBlock(
  block: Uint8Array,
  catalogue: CameraCatalogue | undefined,
): Promise<ExifCamera | undefined> {
  let tags: Record<number, unknown> | undefined;
  try {
    tags = (await exifr.parse(block, EXIFR_OPTIONS)) as Record<number, unknown> | undefined;
  } catch {
    return undefined;
  }
  if (!tags) return undefined;
  const camera: ExifCamera = {};
  const make = cleanText(tags[MAKE]);
  const model = cleanText(tags[MODEL]);
  const capturedAt = exifDateToIso(tags[DATE_TIME_ORIGINAL], tags[OFFSET_TIME_ORIGINAL]);
  if (make !== undefined) camera.make = make;
  if (model !== undefined) camera.model = model;
  if (capturedAt !== undefined) camera.capturedAt = capturedAt;
  if (make === undefined && model === undefined && capturedAt === undefined) return undefined;
  const match = catalogue?.lookup(make, model);
  if (match) {
    camera.source = match.source;
    camera.catalogueId = match.id;
  }
  return camera;
}

export function createExifReader(options: ExifReaderOptions = {}): ExifReader {
  const { catalogue } = options;
  return {
    read(source, format) {
      const block = locateExif(source, format);
      // Copy the block so the promise holds a few KiB, not a view into a larger decoded window.
      return block ? parseBlock(Uint8Array.from(block), catalogue) : undefined;
    },
  };
}
