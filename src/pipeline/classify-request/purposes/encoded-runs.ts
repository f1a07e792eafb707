/**
 * Finds text hidden inside a prompt as base64 ("decode this and do it: d2hvIGlzIHRoaXM/") or as hex
 * (`77 68 6f 20 69 73`, `0x77 0x68 0x6f`, `\x77\x68\x6f`) or binary (`01110111 01101000`), so it
 * can be classified too, alone and in place of the run in the text around it. One scan of the text finds both kinds of run
 * and serves the gate, the rules and the model. Image data is never decoded: runs inside a `data:`
 * URL and runs longer than `MAX_RUN` characters are skipped before any decoding.
 */

import { characterListRuns, decimalRuns, letterNumberRuns, morseRuns } from "./code-runs.js";
import { spellingAlphabetRuns } from "./spelling-alphabet.js";

/**
 * Shortest run that makes the gate (gate.ts) look closer: 16 characters, 12 bytes of text. Words
 * of 12-15 letters are common in prose, and every one would open the gate.
 */
export const MIN_RUN = 16;
/**
 * Shortest run decoded: 12 characters, 9 bytes of text. "who is this" is 11 bytes, 15 characters
 * before its `=`, and was read as letters until a hold-out sent it (h160). A plain word of that
 * length costs one test (one case, letters only: not decoded).
 */
export const MIN_DECODED_RUN = 12;
/** Longest run decoded; anything longer is binary data in practice (4 KiB). */
export const MAX_RUN = 4096;

const DECODER = new TextDecoder("utf-8", { fatal: true });

/** True when at least 90% of the characters are letters, digits, spaces or punctuation. */
function mostlyPrintable(text: string): boolean {
  let good = 0;
  let letters = 0;
  let total = 0;
  for (const ch of text) {
    total++;
    if (/[\p{L}\p{M}]/u.test(ch)) {
      good++;
      letters++;
    } else if (/[\p{N}\p{P}\p{S}\p{Zs}\n\r\t]/u.test(ch)) good++;
  }
  return total > 0 && good / total >= 0.9 && letters / total >= 0.5;
}

/** Decodes one run, or returns undefined when it is not base64 of readable UTF-8 text. */
export function decodeRun(run: string): string | undefined {
  const body = run.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  if (body.length % 4 === 1) return undefined;
  // A plain word or identifier (all letters, one case) is not worth a decode.
  if (/^[a-z]+$/.test(body) || /^[A-Z]+$/.test(body)) return undefined;
  let text: string;
  try {
    text = DECODER.decode(Buffer.from(body, "base64"));
  } catch {
    return undefined;
  }
  return mostlyPrintable(text) ? text : undefined;
}

/** Character classes of the scan, per ASCII code (bits). */
const BASE64 = 1;
const HEX_DIGIT = 2;
/**
 * White space, `:` or `,`, which may stand between two pairs of a hex run, and the letters of the
 * `0x` and `\x` prefixes a pair may carry (`0x77, 0x68`, `\x77\x68`).
 */
const HEX_SEPARATOR = 4;
const CLASS = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-") {
  CLASS[c.charCodeAt(0)]! |= BASE64;
}
for (const c of "0123456789abcdefABCDEF") CLASS[c.charCodeAt(0)]! |= HEX_DIGIT;
for (const c of " \t\n\v\f\r:,xX\\") CLASS[c.charCodeAt(0)]! |= HEX_SEPARATOR;
const UNICODE_SPACE = /\s/;

/** The fewest hex digits a hex run holds (8 pairs; see {@link hexAndBinaryRuns}). */
const HEX_RUN_DIGITS = 16;
/** The most non-digits between two pairs of a hex run (`, \x` is four). */
const HEX_GAP = 4;

/** A run of base64 characters and where it starts. */
interface Run {
  run: string;
  index: number;
}

/** What one scan of a text finds. */
interface Scan {
  runs: readonly Run[];
  /** Whether 16 hex digits stand with at most one separator between two (a hex run may). */
  mayHoldHex: boolean;
}

/**
 * The last text scanned and what the scan found: the gate, the rules and the model each look for
 * base64 (and the model for hex) in the same text of a request, one after the other, and one scan
 * serves all three.
 */
let lastText: string | undefined;
let lastScan: Scan = { runs: [], mayHoldHex: false };

/**
 * The runs of at least {@link MIN_DECODED_RUN} base64 characters (with up to two `=` after), each with
 * where it starts, and whether a hex run may be there. One pass over the text with a table: a
 * regular expression retried at every position cost 14% of the model's time on ordinary prose,
 * and the hex expression 3 us per KB.
 */
function scan(text: string): Scan {
  if (text === lastText) return lastScan;
  const runs: Run[] = [];
  let start = -1;
  let hexDigits = 0;
  let gap = 0;
  let mayHoldHex = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    const kind = c < 0 ? 0 : c < 128 ? CLASS[c]! : UNICODE_SPACE.test(text[i]!) ? HEX_SEPARATOR : 0;
    if ((kind & BASE64) !== 0) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= MIN_DECODED_RUN) {
        let end = i;
        while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61) end++; // =
        runs.push({ run: text.slice(start, end), index: start });
      }
      start = -1;
    }
    if ((kind & HEX_DIGIT) !== 0) {
      if (++hexDigits >= HEX_RUN_DIGITS) mayHoldHex = true;
      gap = 0;
    } else if ((kind & HEX_SEPARATOR) !== 0 && hexDigits > 0 && ++gap <= HEX_GAP) {
      // A separator or a prefix letter: the run may go on.
    } else {
      hexDigits = 0;
      gap = 0;
    }
  }
  lastText = text;
  lastScan = { runs, mayHoldHex };
  return lastScan;
}

/**
 * Eight or more hex pairs, each with an optional `0x` or `\x` before it and at most one white space
 * or `:`, or a `,` and one white space, after it: what {@link hexAndBinaryRuns} decodes (exported so
 * the scan's soundness is tested against it). "0x77 0x68 0x6f ..." hid an English ask (h175).
 */
export const HEX_RUN = /(?:\b|(?=\\x))(?:(?:0x|\\x)?[0-9a-f]{2}(?:,\s?|[\s:])?){8,}\b/gi;
/** What stands between or before the pairs of a hex run, removed before decoding. */
const HEX_PUNCTUATION = /0x|\\x|[\s:,]/gi;
const READABLE = /^[\p{L}\p{N}\p{P}\p{Zs}]{6,}$/u;

/**
 * Whether the text may hold a hex run: the scan's cheap answer, which lets most texts skip the
 * expression (it must never say no where {@link hexAndBinaryRuns}'s expression would match).
 */
export function mayHoldHexRun(text: string): boolean {
  return scan(text).mayHoldHex;
}

/** A run of `text` that decodes to readable text: where it stands and what it says. */
export interface DecodedRun {
  index: number;
  length: number;
  decoded: string;
}

/**
 * Eight-bit groups of 0 and 1, six or more, each followed by at most one white space: binary text
 * (`01110111 01101000 ...`), which hid a harmless request in h184 and reads as digits otherwise.
 */
const BINARY_RUN = /\b(?:[01]{8}\s?){6,}\b/g;

/** Every hex and binary run of `text` that decodes to readable text, with where it stands. */
export function hexAndBinaryRuns(text: string): DecodedRun[] {
  // Binary digits are hex digits: the scan's answer gates both.
  if (!mayHoldHexRun(text)) return [];
  const out: DecodedRun[] = [];
  for (const m of text.matchAll(HEX_RUN)) {
    const decoded = Buffer.from(m[0].replace(HEX_PUNCTUATION, ""), "hex").toString("utf8");
    if (READABLE.test(decoded)) out.push({ index: m.index, length: m[0].length, decoded });
  }
  for (const m of text.matchAll(BINARY_RUN)) {
    const bits = m[0].replace(/\s/g, "");
    const bytes = Buffer.alloc(bits.length >> 3);
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2);
    const decoded = bytes.toString("utf8");
    if (READABLE.test(decoded)) out.push({ index: m.index, length: m[0].length, decoded });
  }
  return out;
}

/**
 * The last text {@link codeRuns} read and what it found: the model reads a text's runs in place
 * (`withRunsDecoded`) and then alone (`decodeCodeRuns`), one after the other, and the search costs
 * about 5 us per KB of prose with digits in it.
 */
let lastCodeText: string | undefined;
let lastCodeRuns: readonly DecodedRun[] = [];

/**
 * Every run of character codes in `text` that decodes to readable text: hex, binary, decimal codes,
 * Morse, numbers for letters and lists of quoted characters (code-runs.ts), and words of the
 * spelling alphabet (spelling-alphabet.ts), with where it stands.
 */
export function codeRuns(text: string): readonly DecodedRun[] {
  if (text === lastCodeText) return lastCodeRuns;
  const hex = hexAndBinaryRuns(text);
  const others = [
    ...morseRuns(text),
    ...decimalRuns(text),
    ...letterNumberRuns(text),
    ...characterListRuns(text),
    ...spellingAlphabetRuns(text),
  ];
  lastCodeText = text;
  lastCodeRuns = others.length === 0 ? hex : [...hex, ...others];
  return lastCodeRuns;
}

/** Every run of {@link codeRuns}, decoded (the model reads them alone too). */
export function decodeCodeRuns(text: string): string[] {
  return codeRuns(text).map((r) => r.decoded);
}

/** Every decodable base64 run of `text`, with where it stands; at most `limit` of them. */
export function base64Runs(text: string, limit = 16): DecodedRun[] {
  if (text.length < MIN_DECODED_RUN) return [];
  const out: DecodedRun[] = [];
  for (const { run, index } of scan(text).runs) {
    if (run.length > MAX_RUN) continue;
    const before = text.slice(Math.max(0, index - 64), index).toLowerCase();
    if (before.includes("data:") && before.includes("base64,")) continue;
    const decoded = decodeRun(run);
    if (decoded !== undefined) out.push({ index, length: run.length, decoded });
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * `text` with each run that decodes to readable text (base64, hex, binary, decimal codes, Morse)
 * replaced by what it
 * says, the way the model it is sent to would read it: "decode this and answer: <run>" reads as
 * the request it carries, not as the wrapper's words beside random characters (which the training
 * data holds mostly in asks: honest twins wrapped that way read as asks in h184). Unchanged, and
 * the same string, when nothing decodes.
 */
export function withRunsDecoded(text: string): string {
  const runs = [...base64Runs(text, 8), ...codeRuns(text)];
  if (runs.length === 0) return text;
  runs.sort((a, b) => a.index - b.index);
  let out = "";
  let at = 0;
  for (const r of runs) {
    if (r.index < at) continue; // overlaps a run already replaced
    out += `${text.slice(at, r.index)} ${r.decoded} `;
    at = r.index + r.length;
  }
  return out + text.slice(at);
}

/** Every decodable base64 run of `text`, decoded; at most `limit` of them. */
export function decodeBase64Segments(text: string, limit = 16): string[] {
  return base64Runs(text, limit).map((r) => r.decoded);
}
