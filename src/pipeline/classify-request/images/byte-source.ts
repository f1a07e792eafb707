/**
 * Random access to image bytes without materialising them: a base64 string (decoded window by
 * window) or a prefix buffer (the first bytes of a multipart part).
 *
 * Base64 groups 3 bytes into 4 characters, so byte `b` lives in the group starting at character
 * `floor(b / 3) * 4` (RFC 4648 section 4); reading a window decodes only the groups it touches.
 */

export interface ByteSource {
  /** Total decoded length in bytes; for a prefix buffer, the length of the prefix. */
  readonly byteLength: number;
  /**
   * Up to `length` bytes from `offset`; shorter at the end of the data, `undefined` when the
   * window is unreadable (invalid base64).
   */
  read(offset: number, length: number): Uint8Array | undefined;
}

/** Bytes that are all there is (the prefix of a multipart part). */
export class BufferSource implements ByteSource {
  readonly byteLength: number;
  constructor(private readonly buffer: Uint8Array) {
    this.byteLength = buffer.length;
  }
  read(offset: number, length: number): Uint8Array | undefined {
    if (offset < 0 || length < 0) return undefined;
    return this.buffer.subarray(offset, Math.min(offset + length, this.byteLength));
  }
}

// Standard and URL-safe alphabets (Buffer decodes both); `=` only as final padding.
const WINDOW_OK = /^[A-Za-z0-9+/_-]*$/;
const HAS_SPACE = /[\t\n\r ]/;
/** Line-wrapped base64 (MIME wraps at 76, PEM at 64) shows its first break within this many. */
const WRAP_PROBE = 128;

/**
 * A base64 payload inside a larger string (a `data:` URL), or inside a byte range of a buffer
 * (the ASCII characters of a JSON string token in a raw request body), read lazily.
 *
 * Validation is proportional to what is read: the length, the head, the tail and every decoded
 * window are checked, never the whole string, so a 20 MB image costs the same as a 20 KB one.
 * Invalid characters in parts never read go unnoticed here (Azure rejects them anyway).
 *
 * Over bytes, each character is one byte (latin1), so a range of ASCII bytes reads exactly as the
 * JSON string it encodes (when it has no escapes): sizes, windows and validity are the same as
 * over that string, without the string ever existing.
 */
export class Base64Data implements ByteSource {
  /** The characters, when held as a string. */
  private text: string;
  /** The characters, when held as bytes (then `text` is unused until `compact`). */
  private bytes: Uint8Array | undefined;
  private start: number;
  /** End of the base64 characters, padding excluded. */
  private end: number;
  /** End of the payload: the string's length, or the end of the byte range. */
  private stop: number;
  byteLength = 0;
  /** Why the data cannot be base64, once known; set by the constructor or a later `read`. */
  invalid: string | undefined;

  /**
   * `text.slice(start)` is the payload; nothing is copied. With bytes, `bytes[start..stop)` is the
   * payload, read as latin1 (one character per byte).
   */
  constructor(text: string | Uint8Array, start = 0, stop = text.length) {
    if (typeof text === "string") {
      this.text = text;
      this.bytes = undefined;
    } else {
      this.text = "";
      this.bytes = text;
    }
    this.start = start;
    this.stop = stop;
    this.end = stop;
    const head = this.chars(start, Math.min(stop, start + WRAP_PROBE));
    const tail = this.chars(Math.max(start, stop - 8), stop);
    if (HAS_SPACE.test(head) || HAS_SPACE.test(tail)) this.compact();
    this.measure();
  }

  private chars(from: number, to: number): string {
    const b = this.bytes;
    return b === undefined ? this.text.slice(from, to) : latin1(b, from, to);
  }

  private code(i: number): number {
    const b = this.bytes;
    return b === undefined ? this.text.charCodeAt(i) : b[i]!;
  }

  /** Drops whitespace (line-wrapped base64); the one path that copies the characters. */
  private compact(): void {
    this.text = this.chars(this.start, this.stop).replace(/[\t\n\r ]+/g, "");
    this.bytes = undefined;
    this.start = 0;
    this.stop = this.text.length;
    this.end = this.stop;
  }

  private measure(): void {
    let end = this.stop;
    let pad = 0;
    while (end > this.start && pad < 2 && this.code(end - 1) === 61 /* = */) {
      end--;
      pad++;
    }
    this.end = end;
    const chars = end - this.start;
    if (chars === 0) {
      this.invalid = "empty image data";
      return;
    }
    if (chars % 4 === 1 || (pad > 0 && (chars + pad) % 4 !== 0)) {
      this.invalid = "base64 length is not valid";
      return;
    }
    if (!WINDOW_OK.test(this.chars(Math.max(this.start, end - 8), end))) {
      this.invalid = "invalid base64 character";
      return;
    }
    // Every 4 characters are 3 bytes; a final group of 2 or 3 characters carries 1 or 2 bytes.
    this.byteLength = Math.floor((chars * 3) / 4);
  }

  read(offset: number, length: number): Uint8Array | undefined {
    if (this.invalid !== undefined || offset < 0 || length <= 0) return undefined;
    if (offset >= this.byteLength) return new Uint8Array(0);
    const last = Math.min(offset + length, this.byteLength);
    const from = this.start + Math.floor(offset / 3) * 4;
    const to = Math.min(this.start + Math.ceil(last / 3) * 4, this.end);
    const window = this.chars(from, to);
    if (!WINDOW_OK.test(window)) {
      if (HAS_SPACE.test(window)) {
        this.compact();
        this.measure();
        return this.read(offset, length);
      }
      this.invalid = "invalid base64 character";
      return undefined;
    }
    const decoded = Buffer.from(window, "base64");
    const skip = offset % 3;
    return decoded.subarray(skip, skip + (last - offset));
  }
}

/** `bytes[from..to)` as a latin1 string (one character per byte). */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  const b = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.toString("latin1", from, Math.max(from, to));
}
