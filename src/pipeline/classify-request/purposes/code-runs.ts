/**
 * Text hidden as Morse code (`.-- .... --- / .. ...`), as decimal character codes
 * (`119 104 111 32 105 115`, `119,104,111`), as numbers standing for letters (`23-8-15 / 9-19`,
 * a=1) or as a list of its characters (`["w","h","o"]`),
 * which a language model decodes on request and the purpose model read as punctuation, numbers
 * and one-letter words. Found as runs, decoded and read in place of the
 * run like base64 and hex (encoded-runs.ts). Pure.
 */
import type { DecodedRun } from "./encoded-runs.js";
import { englishGain } from "./english-gain.js";

/** International Morse code: letters, digits and the common punctuation. */
const MORSE: ReadonlyMap<string, string> = new Map(
  Object.entries({
    ".-": "a",
    "-...": "b",
    "-.-.": "c",
    "-..": "d",
    ".": "e",
    "..-.": "f",
    "--.": "g",
    "....": "h",
    "..": "i",
    ".---": "j",
    "-.-": "k",
    ".-..": "l",
    "--": "m",
    "-.": "n",
    "---": "o",
    ".--.": "p",
    "--.-": "q",
    ".-.": "r",
    "...": "s",
    "-": "t",
    "..-": "u",
    "...-": "v",
    ".--": "w",
    "-..-": "x",
    "-.--": "y",
    "--..": "z",
    "-----": "0",
    ".----": "1",
    "..---": "2",
    "...--": "3",
    "....-": "4",
    ".....": "5",
    "-....": "6",
    "--...": "7",
    "---..": "8",
    "----.": "9",
    "..--..": "?",
    ".-.-.-": ".",
    "--..--": ",",
    ".----.": "'",
    "-.-.--": "!",
    "-..-.": "/",
    "---...": ":",
    "-...-": "=",
    ".--.-.": "@",
  }),
);

/**
 * Six or more Morse letters (dots and dashes, `·`, `•`, `−`, `–`, `—` and `_` written for them),
 * one space between letters, and `/`, `|` or two spaces and more between words.
 */
const MORSE_RUN =
  /(?<![^\s/|])[.·•\-−–—_]{1,6}(?:(?: {1,3}| ?[/|] ?)[.·•\-−–—_]{1,6}){5,}(?![^\s/|])/g;
/** A dot or a dash beside another: the cheap test before {@link MORSE_RUN}. */
const MORSE_HINT = /[.·•][-−–—_]|[-−–—_][.·•]/;
const DOTS = /[·•]/g;
const DASHES = /[−–—_]/g;

/** Every Morse run of `text` that decodes to two letters or more, with where it stands. */
export function morseRuns(text: string): DecodedRun[] {
  if (!MORSE_HINT.test(text)) return [];
  const out: DecodedRun[] = [];
  for (const m of text.matchAll(MORSE_RUN)) {
    const words = m[0]
      .replace(DOTS, ".")
      .replace(DASHES, "-")
      .split(/ ?[/|] ?| {2,}/);
    let decoded = "";
    const letters = new Set<string>();
    let valid = true;
    for (const word of words) {
      if (decoded !== "") decoded += " ";
      for (const code of word.split(" ")) {
        const ch = MORSE.get(code);
        if (ch === undefined) {
          valid = false;
          break;
        }
        decoded += ch;
        if (ch >= "a" && ch <= "z") letters.add(ch);
      }
      if (!valid) break;
    }
    // "- - - - - -" (a rule), ". . . . . ." (an ellipsis) read as one letter repeated: not text.
    if (valid && letters.size >= 3) out.push({ index: m.index, length: m[0].length, decoded });
  }
  return out;
}

/** Six or more numbers of two or three digits joined by spaces, commas or semicolons. */
const DECIMAL_RUN = /(?<!\d|\d\.)\d{2,3}(?:(?:[,;] ?| )\d{2,3}){5,}(?!\d|\.\d)/g;
/** Six numbers of two or three digits with one separator between each: the cheap test. */
const DECIMAL_HINT = /\d\d[,; ] ?\d\d/;
/** What the decoded text must look like: words of letters with spaces between. */
const WORDY = /^[\p{L}\p{M}\p{N}\p{P}\s]+$/u;

/**
 * Every run of decimal character codes (32-255: ASCII and Latin-1) in `text`
 * that decodes to words: two words or more, letters three quarters of the characters that are not
 * spaces. A list of scores or prices decodes to one run of odd letters, not words, and stays.
 */
export function decimalRuns(text: string): DecodedRun[] {
  if (!DECIMAL_HINT.test(text)) return [];
  const out: DecodedRun[] = [];
  for (const m of text.matchAll(DECIMAL_RUN)) {
    const codes = m[0].split(/[,; ]+/).map(Number);
    if (codes.some((c) => c < 32 || c > 255)) continue;
    const decoded = String.fromCharCode(...codes);
    if (!WORDY.test(decoded)) continue;
    const words = decoded.trim().split(/\s+/);
    const letters = decoded.replace(/[^\p{L}]/gu, "").length;
    const visible = decoded.replace(/\s/g, "").length;
    if (words.length >= 2 && letters * 4 >= visible * 3) {
      out.push({ index: m.index, length: m[0].length, decoded });
    }
  }
  return out;
}

/**
 * Six or more single characters in quotes joined by commas: a list of letters
 * (`["w","h","o"," ","i","s"]`, `'w', 'h', 'o'`), which a language model joins on request.
 */
const CHARACTER_LIST = /(?:(["'])[^"'\n]\1\s*,\s*){5,}(["'])[^"'\n]\2/g;
const QUOTED_CHARACTER = /(["'])([^"'\n])\1/g;

/** Every list of quoted characters in `text` that joins into three different letters or more. */
export function characterListRuns(text: string): DecodedRun[] {
  if (!text.includes(",") || !(text.includes('"') || text.includes("'"))) return [];
  if (!/["'] ?, ?["']/.test(text)) return [];
  const out: DecodedRun[] = [];
  for (const m of text.matchAll(CHARACTER_LIST)) {
    let decoded = "";
    for (const q of m[0].matchAll(QUOTED_CHARACTER)) decoded += q[2];
    if (new Set(decoded.toLowerCase().replace(/[^\p{L}]/gu, "")).size >= 3) {
      out.push({ index: m.index, length: m[0].length, decoded });
    }
  }
  return out;
}

/** A letter as its place in the alphabet, 1 to 26 (a leading zero allowed). */
const PLACE = "(?:2[0-6]|1[0-9]|0?[1-9])";
/**
 * Six or more places joined by `-`, `.` or `,` within a word and by `/`, `|` or spaces between
 * words: `23-8-15 / 9-19 / 20-8-9-19`, `23.8.15 9.19` (h213: "numbers to letters (a=1)").
 */
const LETTER_NUMBER_RUN = new RegExp(
  `(?<![\\d.,-])${PLACE}(?:(?:[-.,] ?| ?[/|] ?| {1,3})${PLACE}){5,}(?![\\d])`,
  "g",
);
/** Two places joined within a word: the cheap test. */
const LETTER_NUMBER_HINT = /\d[-.,]\d/;

/** The letters `run` spells, its words apart, or undefined when it marks no word breaks. */
function spellPlaces(run: string): string | undefined {
  const words = /[/|]/.test(run)
    ? run.split(/\s*[/|]\s*/)
    : /[-.,]/.test(run)
      ? run.replace(/ ?([-.,]) ?/g, "$1").split(/\s+/)
      : undefined;
  if (words === undefined || words.length < 2) return undefined;
  return words
    .map((w) =>
      w
        .split(/[-., ]+/)
        .filter((n) => n !== "")
        .map((n) => String.fromCharCode(96 + Number(n)))
        .join(""),
    )
    .join(" ");
}

/**
 * Every run of numbers standing for letters (a=1 to z=26) that spells English: two different
 * common English words at least ({@link englishGain}). A list of dates, scores or page numbers
 * spells none and stays.
 */
export function letterNumberRuns(text: string): DecodedRun[] {
  if (!LETTER_NUMBER_HINT.test(text)) return [];
  const out: DecodedRun[] = [];
  for (const m of text.matchAll(LETTER_NUMBER_RUN)) {
    const decoded = spellPlaces(m[0]);
    if (decoded !== undefined && englishGain(m[0], decoded) >= 2) {
      out.push({ index: m.index, length: m[0].length, decoded });
    }
  }
  return out;
}
