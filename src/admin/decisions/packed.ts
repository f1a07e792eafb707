/**
 * The decisions index keeps a row's own strings packed when they have a known shape, so a row
 * holds no string the garbage collector must copy and trace: decision ids and Azure's request ids
 * are UUIDs (16 bytes each), and a request time written by the gateway is its epoch milliseconds.
 */

const HEX = "0123456789abcdef";

/** The value of a lowercase hex digit; -1 for any other character. */
function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Writes `id` as 16 bytes at `out[at]` when it is a canonical lowercase UUID (as `randomUUID()`
 * makes and Azure's `apim-request-id` carries); false otherwise (the bytes written are then
 * meaningless).
 */
export function packUuid(id: string, out: Uint8Array, at: number): boolean {
  if (id.length !== 36) return false;
  let k = at;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (id.charCodeAt(i) !== 0x2d /* - */) return false;
      i++;
    }
    const hi = nibble(id.charCodeAt(i));
    const lo = nibble(id.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return false;
    out[k++] = (hi << 4) | lo;
  }
  return true;
}

/** The UUID string of the 16 bytes at `bytes[at]`. */
export function unpackUuid(bytes: Uint8Array, at: number): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    const b = bytes[at + i]!;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

let cachedSecond = Number.NaN;
let cachedPrefix = "";

/**
 * Whether `time` is exactly `new Date(at).toISOString()`, so the row can keep `at` alone. The
 * ISO text of the current second is cached: most calls compare, few format.
 */
export function isIsoOf(time: string, at: number): boolean {
  if (time.length !== 24 || !Number.isInteger(at)) return false;
  const second = Math.floor(at / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20); // through the "."
  }
  const ms = at - second * 1000;
  return (
    time.startsWith(cachedPrefix) &&
    time.charCodeAt(23) === 0x5a /* Z */ &&
    time.charCodeAt(20) === 0x30 + Math.floor(ms / 100) &&
    time.charCodeAt(21) === 0x30 + (Math.floor(ms / 10) % 10) &&
    time.charCodeAt(22) === 0x30 + (ms % 10)
  );
}
