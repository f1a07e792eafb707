/**
 * Large JSON bodies without their base64: a 20 MB image call is almost all one `data:` URL, and
 * `JSON.parse(raw.toString())` would hold the body three times (the raw bytes, the UTF-8 string,
 * the URL string) and copy it twice. Instead, one pass over the raw bytes finds the long string
 * tokens that are binary payloads (`data:` URLs, bare base64 in `file_data`, `b64_json`...),
 * and a much smaller JSON text is parsed in which each of them is a short placeholder string.
 * A side table (`blobsOf(body)`) maps each placeholder to its byte range in the raw body, so
 * the body walker reads images straight from the raw bytes (`Base64Data` over a byte range), and
 * the raw bytes are forwarded unchanged.
 *
 * Equivalence with `JSON.parse(raw.toString("utf8"))`, which is what makes this safe:
 * - a token is replaced only when it is a string value (not an object key: the next significant
 *   byte is not `:`), at least `MIN_BLOB_BYTES` long, without a backslash (so its bytes are its
 *   characters), and every byte is printable ASCII (0x20-0x7e: no control character that would
 *   make the original invalid JSON, no multi-byte character). Its value is then exactly
 *   `raw.toString("latin1", offset, offset + length)`, and replacing it by another valid string
 *   changes neither the validity nor the structure of the document;
 * - the body is split only next to ASCII quotes, so decoding the pieces decodes the whole;
 * - placeholders are `"\u0000gwblob:<n>"`. A JSON string can hold U+0000 only as the escape
 *   `\u0000` (there is no other escape for it and `0` has no case), so when the raw body does not
 *   contain the bytes `\u0000` no string of the request can equal a placeholder. When it does,
 *   the body is parsed whole (rare: real prompts do not carry NUL characters);
 * - anything else (no blob found, malformed JSON, a root that is not an object or array) is
 *   parsed whole, so errors and results are those of the small-body path.
 *
 * Readers of the parsed body resolve placeholders through `blobsOf`: the body walker reads images
 * from the bytes and texts as the original string. The one path that re-serialises the body,
 * `user_security_context` (forward/security-context.ts), serialises the placeholders and then
 * `restoreBlobs` splices the original bytes back in their place: the result is byte for byte
 * what serialising the full parse gives, without a full parse for those tenants either.
 */

/**
 * Bodies from this size are scanned. Decided by measurement (Node 20, in-process): a chat body
 * with one inline JPEG parses in the same time either way at about 11 KB, 1.1-1.7x faster
 * scanned at 22-44 KB, and 5-7x faster at 137 KB (a 100 KB JPEG: 455-620 us whole, 65-85 us
 * scanned). Text-only bodies cost the same either way (`mayHoldBlobs` turns them away).
 */
export const LARGE_BODY_BYTES = 16 * 1024;

/** Shortest string token replaced by a placeholder: shorter ones cost less to parse than to skip. */
export const MIN_BLOB_BYTES = 4096;

/** A string token of the raw body, by byte range (the characters between the quotes). */
export class RawBlob {
  constructor(
    private readonly raw: Buffer,
    /** Byte offset of the first character in the raw body. */
    readonly offset: number,
    /** Characters, which are bytes (printable ASCII). */
    readonly length: number,
  ) {}

  /** The whole string, as `JSON.parse` would have produced it (materialised: copies). */
  text(): string {
    return this.raw.toString("latin1", this.offset, this.offset + this.length);
  }

  /** The first `chars` characters (a data URL's header). */
  head(chars: number): string {
    return this.raw.toString("latin1", this.offset, this.offset + Math.min(chars, this.length));
  }

  /** The raw bytes (a view). */
  bytes(): Buffer {
    return this.raw.subarray(this.offset, this.offset + this.length);
  }
}

/** The blobs of one parsed body, by placeholder. */
export class BlobTable {
  constructor(readonly blobs: readonly RawBlob[]) {}

  /** The blob a string stands for, or undefined when it is an ordinary string. */
  get(value: string): RawBlob | undefined {
    if (
      value.length < PREFIX.length + 1 ||
      value.charCodeAt(0) !== 0 ||
      !value.startsWith(PREFIX)
    ) {
      return undefined;
    }
    const n = Number(value.slice(PREFIX.length));
    const blob = Number.isInteger(n) ? this.blobs[n] : undefined;
    return blob !== undefined && value === placeholder(n) ? blob : undefined;
  }
}

const PREFIX = "\u0000gwblob:";
const placeholder = (n: number): string => `${PREFIX}${n}`;
/** A placeholder as JSON text, quotes included: what goes into the reduced body. */
const placeholderJson = (n: number): string => `"\\u0000gwblob:${n}"`;
/** The bytes that open a placeholder in serialised JSON. */
const PLACEHOLDER_OPEN = Buffer.from('"\\u0000gwblob:', "latin1");
const ESCAPED_NUL = Buffer.from("\\u0000", "latin1");

const tables = new WeakMap<object, BlobTable>();

/** The blob table of a body parsed by `parseLargeJson`; undefined for any other value. */
export function blobsOf(body: unknown): BlobTable | undefined {
  return typeof body === "object" && body !== null ? tables.get(body) : undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses a large body with its long binary string tokens left in the raw bytes; `undefined` when
 * the body must be parsed whole (see the module comment). Throws what `JSON.parse` throws only
 * for malformed JSON it could not detect while scanning: callers parse whole on any error.
 */
export function parseLargeJson(raw: Buffer): unknown {
  if (!mayHoldBlobs(raw)) return undefined;
  const ranges = scanBlobs(raw);
  if (ranges === undefined || ranges.length === 0) return undefined;
  if (raw.indexOf(ESCAPED_NUL) >= 0) return undefined;
  let text = "";
  let at = 0;
  const blobs: RawBlob[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    const offset = ranges[i]!;
    const length = ranges[i + 1]!;
    // The token goes with its quotes; the placeholder brings its own.
    text += raw.toString("utf8", at, offset - 1);
    text += placeholderJson(blobs.length);
    blobs.push(new RawBlob(raw, offset, length));
    at = offset + length + 1;
  }
  text += raw.toString("utf8", at);
  const body: unknown = JSON.parse(text);
  if (typeof body !== "object" || body === null) return undefined;
  tables.set(body, new BlobTable(blobs));
  return body;
}

/** Distance between the probes of `mayHoldBlobs`. */
const PROBE_STRIDE = 1024;

/**
 * A quick look before the scan, which costs about as much as `JSON.parse` on a body of many
 * short strings (prose, long chat histories): a blob holds at least `MIN_BLOB_BYTES - 512`
 * consecutive base64 characters (a data URL header is read from its first 512), so one probe,
 * every `PROBE_STRIDE` bytes, starts `HEAD` base64 characters inside it. Prose fails each probe
 * within a few bytes (its first space). Only decides whether scanning is worth it: a body that
 * fails is parsed whole, which is always correct.
 */
export function mayHoldBlobs(raw: Buffer): boolean {
  for (let p = 0; p + HEAD <= raw.length; p += PROBE_STRIDE) {
    if (isBase64Head(raw, p, p + HEAD)) return true;
  }
  return false;
}

/**
 * The long binary string tokens of a JSON text, as flat `[offset, length, ...]` pairs; undefined
 * when a string is not terminated (malformed: left to `JSON.parse`).
 *
 * Outside strings, JSON has no quote, so the next quote opens a string; inside, a quote ends it
 * unless escaped. Jumping from quote to quote and from backslash to backslash with `indexOf`
 * (native memchr) costs next to nothing on a 20 MB base64 string; checking that its bytes are
 * printable ASCII, four at a time, costs about 10 ms (against about 30 ms for `toString` alone).
 */
export function scanBlobs(raw: Buffer): number[] | undefined {
  const out: number[] = [];
  const n = raw.length;
  let nextBackslash = indexOr(raw, BACKSLASH, 0, n);
  let at = 0;
  for (;;) {
    const open = raw.indexOf(QUOTE, at);
    if (open < 0) return out;
    let from = open + 1;
    let escaped = false;
    let close = -1;
    for (;;) {
      // A quote found before an escape that did not cover it is still the next one.
      if (close < from) {
        close = raw.indexOf(QUOTE, from);
        if (close < 0) return undefined;
      }
      if (nextBackslash < from) nextBackslash = indexOr(raw, BACKSLASH, from, n);
      if (nextBackslash > close) break;
      // An escape: its second character (maybe a quote) is never a string's end.
      escaped = true;
      from = nextBackslash + 2;
      if (from > n) return undefined;
    }
    const length = close - open - 1;
    if (
      !escaped &&
      length >= MIN_BLOB_BYTES &&
      isBlob(raw, open + 1, close) &&
      !isKey(raw, close + 1)
    ) {
      out.push(open + 1, length);
    }
    at = close + 1;
  }
}

function indexOr(raw: Buffer, byte: number, from: number, none: number): number {
  const i = raw.indexOf(byte, from);
  return i < 0 ? none : i;
}

/** True when the next significant byte after a string is `:` (the string is an object key). */
function isKey(raw: Buffer, at: number): boolean {
  for (let i = at; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x3a;
  }
  return false;
}

/** Characters of the head that decide whether a string is binary data. */
const HEAD = 64;

/**
 * A `data:` URL or bare base64 (judged by its head), all printable ASCII. Any long printable
 * string would be replaced safely (readers materialise it when they need the text); the head test
 * only keeps long texts, which are read as texts anyway, out of the table.
 */
function isBlob(raw: Buffer, from: number, to: number): boolean {
  if (!isDataUrlHead(raw, from) && !isBase64Head(raw, from, Math.min(to, from + HEAD))) {
    return false;
  }
  return isPrintableAscii(raw, from, to);
}

function isDataUrlHead(raw: Buffer, at: number): boolean {
  // "data:" in any case (URL schemes are case-insensitive).
  return (
    (raw[at]! | 0x20) === 0x64 &&
    (raw[at + 1]! | 0x20) === 0x61 &&
    (raw[at + 2]! | 0x20) === 0x74 &&
    (raw[at + 3]! | 0x20) === 0x61 &&
    raw[at + 4] === 0x3a
  );
}

function isBase64Head(raw: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = raw[i]!;
    const letter = (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;
    const digit = b >= 0x30 && b <= 0x39;
    if (!letter && !digit && b !== 0x2b && b !== 0x2f && b !== 0x3d && b !== 0x2d && b !== 0x5f) {
      return false;
    }
  }
  return true;
}

/**
 * Every byte in 0x20-0x7e, four at a time. With every byte below 0x80 (`w`'s high bits clear),
 * `w - 0x20202020` sets a byte's high bit exactly when some byte is below 0x20 (Hacker's Delight
 * 6-1, "has a byte less than n", exact for n <= 128), and `w + 0x01010101` when a byte is 0x7f.
 * The three tests of four words are OR-ed into one accumulator and read once per 4,096 words: no
 * branch per word. `scanBlobs` on a 137 KB image body, in a loop: 70-77 -> 57 us (the check was
 * 5-6% of the image call's profile; docs/performance.md, "Issue 14, round three"). The
 * subtraction and addition wrap as 32-bit arithmetic does once `|` truncates them.
 */
function isPrintableAscii(raw: Buffer, from: number, to: number): boolean {
  let i = from;
  const base = raw.byteOffset;
  while (i < to && (base + i) % 4 !== 0) if (!printable(raw[i++]!)) return false;
  const words = (to - i) >>> 2;
  if (words > 0) {
    const view = new Int32Array(raw.buffer, base + i, words);
    let k = 0;
    while (k < words) {
      const stop = Math.min(words, k + 4096);
      let bad = 0;
      for (; k + 4 <= stop; k += 4) {
        const w0 = view[k]!;
        const w1 = view[k + 1]!;
        const w2 = view[k + 2]!;
        const w3 = view[k + 3]!;
        bad |=
          w0 |
          (w0 - 0x20202020) |
          (w0 + 0x01010101) |
          w1 |
          (w1 - 0x20202020) |
          (w1 + 0x01010101) |
          w2 |
          (w2 - 0x20202020) |
          (w2 + 0x01010101) |
          w3 |
          (w3 - 0x20202020) |
          (w3 + 0x01010101);
      }
      for (; k < stop; k++) {
        const w = view[k]!;
        bad |= w | (w - 0x20202020) | (w + 0x01010101);
      }
      if ((bad & 0x80808080) !== 0) return false;
    }
    i += words * 4;
  }
  while (i < to) if (!printable(raw[i++]!)) return false;
  return true;
}

function printable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

/**
 * `serialised` (a re-serialisation of a body parsed by `parseLargeJson`) with each placeholder
 * replaced by the original characters of its blob: byte for byte what serialising the fully
 * parsed body would have produced (JSON.stringify writes a printable ASCII string without a quote
 * or backslash as is). Unchanged when `body` has no blobs.
 */
export function restoreBlobs(body: unknown, serialised: Buffer): Buffer;
export function restoreBlobs(body: unknown, serialised: Buffer | undefined): Buffer | undefined;
export function restoreBlobs(body: unknown, serialised: Buffer | undefined): Buffer | undefined {
  const table = blobsOf(body);
  if (serialised === undefined || table === undefined) return serialised;
  const pieces: Buffer[] = [];
  let at = 0;
  for (;;) {
    const open = serialised.indexOf(PLACEHOLDER_OPEN, at);
    if (open < 0) break;
    const digits = open + PLACEHOLDER_OPEN.length;
    const close = serialised.indexOf(QUOTE, digits);
    const digitText = close > digits ? serialised.toString("latin1", digits, close) : "";
    const n = Number(digitText);
    const blob = digitText === String(n) ? table.blobs[n] : undefined;
    if (blob === undefined) {
      at = digits;
      continue;
    }
    pieces.push(serialised.subarray(at, open + 1), blob.bytes());
    at = close;
  }
  if (pieces.length === 0) return serialised;
  pieces.push(serialised.subarray(at));
  return Buffer.concat(pieces);
}
