/**
 * A synchronous reader of the few TIFF tags the gateway uses (make, model, serial numbers, capture
 * time and its zone), from a TIFF block that `locateMetadata` has already isolated.
 *
 * It replaces exifr on the request path (docs/performance.md, "Issue 14, round three"): exifr is
 * promise-only and general (option merging, a chunked reader, output objects), which cost about
 * 8% of an image call's CPU for six ASCII tags. The small synchronous EXIF libraries on npm parse
 * every tag of every IFD into named objects and turn dates into `Date`s in some zone, losing the
 * recorded form; this reads only IFD0 and the EXIF IFD, only ASCII values, with exifr's semantics
 * for what it does read: the byte order from the header, the first copy of a tag, the value inline
 * when it fits in four bytes, else at its offset; the bytes as UTF-8 up to the first trailing NUL,
 * trimmed, empty as absent. Anything out of bounds or of another type is absent, never an error
 * (where exifr drops a whole IFD for one malformed entry among the tags it reads, this drops only
 * that entry).
 * test/unit/classify/tiff-tags.test.ts checks it against exifr on the test fixtures and on
 * corrupted copies of them.
 */

const ASCII = 2;
/** IFD0's pointer to the EXIF IFD. */
const EXIF_POINTER = 0x8769;
/** Entries read per IFD at most: a block is at most 64 KiB, so 5,461 entries fill it anyway. */
const MAX_ENTRIES = 4_096;

/** The tags read, by number, as exifr would give them (strings only). */
export type TiffTagValues = Partial<Record<number, string>>;

interface Reader {
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
}

function u16(r: Reader, at: number): number {
  return r.view.getUint16(at, r.le);
}

function u32(r: Reader, at: number): number {
  return r.view.getUint32(at, r.le);
}

const decoder = new TextDecoder("utf-8");

/** An ASCII entry's value, as exifr's `normalizeString` leaves it; `undefined` when unreadable. */
function asciiValue(r: Reader, entry: number): string | undefined {
  if (u16(r, entry + 2) !== ASCII) return undefined;
  const count = u32(r, entry + 4);
  const at = count <= 4 ? entry + 8 : u32(r, entry + 8);
  if (at + count > r.bytes.length) return undefined;
  let end = at + count;
  while (end > at && r.bytes[end - 1] === 0) end--;
  const text = decoder.decode(r.bytes.subarray(at, end)).trim();
  return text === "" ? undefined : text;
}

/**
 * Reads the IFD at `offset`: each tag of `wanted` found (first copy) into `out`; returns the EXIF
 * pointer when asked to look for it and it is there.
 */
function readIfd(
  r: Reader,
  offset: number,
  wanted: readonly number[],
  out: TiffTagValues,
  pointer: boolean,
): number | undefined {
  if (offset < 8 || offset + 2 > r.bytes.length) return undefined;
  const entries = Math.min(u16(r, offset), MAX_ENTRIES);
  let exifOffset: number | undefined;
  for (let i = 0; i < entries; i++) {
    const entry = offset + 2 + i * 12;
    if (entry + 12 > r.bytes.length) break;
    const tag = u16(r, entry);
    if (pointer && tag === EXIF_POINTER && exifOffset === undefined) {
      const type = u16(r, entry + 2);
      // One SHORT, LONG or IFD value, inline.
      if (u32(r, entry + 4) === 1) {
        if (type === 3) exifOffset = u16(r, entry + 8);
        else if (type === 4 || type === 13) exifOffset = u32(r, entry + 8);
      }
      continue;
    }
    if (out[tag] !== undefined || !wanted.includes(tag)) continue;
    const value = asciiValue(r, entry);
    if (value !== undefined) out[tag] = value;
  }
  return exifOffset;
}

/**
 * The ASCII tags of `ifd0Tags` found in IFD0 and of `exifTags` in the EXIF IFD of a TIFF block
 * (`II*\0` or `MM\0*` first); an empty object when the block names none of them.
 */
export function readTiffTags(
  block: Uint8Array,
  ifd0Tags: readonly number[],
  exifTags: readonly number[],
): TiffTagValues {
  const out: TiffTagValues = {};
  if (block.length < 8) return out;
  const order = (block[0]! << 8) | block[1]!;
  if (order !== 0x4949 && order !== 0x4d4d) return out;
  const r: Reader = {
    bytes: block,
    view: new DataView(block.buffer, block.byteOffset, block.byteLength),
    le: order === 0x4949,
  };
  const exifOffset = readIfd(r, u32(r, 4), ifd0Tags, out, true);
  if (exifOffset !== undefined) readIfd(r, exifOffset, exifTags, out, false);
  return out;
}
