/**
 * The text the purpose model reads, the same at training and at prediction: obfuscation undone
 * (base64, hex and binary runs read in place, NFKC, invisible characters, look-alike letters in Latin words, spaced letters, junk inside
 * words, leetspeak), lower case,
 * accents dropped from Latin letters only (Devanagari, Bengali and Thai marks are letters), the
 * Latin letters NFD does not take apart folded (`ı`, `ł`, `ø`, `ß`), and
 * split into the tokens fastText sees: punctuation apart, and Chinese, Japanese and Thai, which do
 * not separate words with spaces, one character per token (the model's word n-grams then see
 * character pairs and triples). Pure.
 */

import { STRUCTURAL_KEYS, STRUCTURAL_VALUES } from "../../../read-body/vocabulary.js";
import { charKinds } from "../char-kinds.js";
import { decodeBase64Segments, decodeCodeRuns, withRunsDecoded } from "../encoded-runs.js";
import { englishGain } from "../english-gain.js";
import { escapedRuns, readEscapes } from "../escapes.js";
import { detectPurposes, mayMatter } from "../index.js";
import {
  deLeet,
  dropJunkInWords,
  foldLetters,
  joinSpacedLetters,
  mapConfusables,
  nfkc,
  stripInvisible,
} from "../normalise.js";

/** ASCII only: no accent to drop. */
const ASCII_ONLY = /^[\x00-\x7f]*$/;
/** Combining marks that follow a Latin letter (its accents). */
const LATIN_ACCENTS = /(\p{Script=Latin})\p{M}+/gu;

/**
 * Machine identifiers (`conv_0cb7612...`, `file-...`, hashes, keys): 16 or more letters and digits
 * with at least four digits, or 12 or more hex digits with at least two digits (a glued leetspeak
 * ask such as `1d3nt1fyh1m` is shorter and stays). They carry no language, and their random
 * character n-grams moved a short ask beside them by several log-odds ("Who?" next to a
 * conversation id fell from certain to below `possible`). Dropped before leetspeak is undone;
 * base64 and hex runs are decoded from the raw text (`decodedTexts`). One pass over the text (the
 * regular expression it replaces, retried at every position, cost 7% of the model's time).
 */
export function dropMachineIds(text: string): string {
  // Every id holds two digits or more: most prose has fewer, and one test skips the scan (3 us per KB).
  if (!TWO_DIGITS.test(text)) return text;
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    if (!isLowerAlnum(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let digits = 0;
    let hexOnly = true;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (!isLowerAlnum(c)) break;
      if (c <= 57) digits++;
      else if (c > 102) hexOnly = false;
      i++;
    }
    const length = i - start;
    if (length < 12) continue;
    const isId = (length >= 16 && digits >= 4) || (hexOnly && digits >= 2);
    const before = text.slice(Math.max(0, start - 2), start);
    if (
      !isId ||
      LETTER_OR_DIGIT_BEFORE.test(before) ||
      LETTER_OR_DIGIT_AFTER.test(text.slice(i, i + 2))
    ) {
      continue;
    }
    out += `${text.slice(copied, start)} `;
    copied = i;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const TWO_DIGITS = /[0-9][\s\S]*[0-9]/;

/** `a`-`z` or `0`-`9`. */
function isLowerAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}
const LETTER_OR_DIGIT_BEFORE = /[\p{L}\p{N}]$/u;
const LETTER_OR_DIGIT_AFTER = /^[\p{L}\p{N}]/u;

/**
 * Ids of Azure OpenAI objects a body refers to (`vs_1`, `file-3f2a`, `asst_abc123`, `resp_9`...):
 * a known prefix, `_` or `-`, then letters and digits with at least one digit. Short ones escape
 * {@link dropMachineIds}, and their prefix alone moved the model: `vs` reads as "versus" (two
 * faces compared), so a vector store id walked beside "Summarise this document photo." made it
 * `likely`. Words joined by `_` without a digit (`run_him_through`) stay.
 */
const OBJECT_ID =
  /(?<![\p{L}\p{N}])(?:vs|vsfb|file|asst|assistant|thread|msg|run|step|batch|ftjob|resp|conv|call|fc|rs|cmpl|chatcmpl)[-_](?=[a-z0-9]*\d)[a-z0-9]+(?![\p{L}\p{N}])/gu;
/** One scan for a digit after `_` or `-` first: most texts hold no object id. */
const MAY_HOLD_OBJECT_ID = /[-_][a-z0-9]*\d/;

/** Drops Azure OpenAI object ids (see {@link OBJECT_ID}) from lower-cased text. */
export function dropObjectIds(text: string): string {
  return MAY_HOLD_OBJECT_ID.test(text) ? text.replace(OBJECT_ID, " ") : text;
}

/**
 * The API's own words joined by underscores (`file_search`, `vector_store_ids`, `tool_resources`:
 * the keys and enum values of read-body/vocabulary.ts), typed or pasted into a prompt. The body
 * walk leaves them out of structured fields; pasted as text they reached the model as plain words,
 * and one model of stop 49 put "Summarise this document photo." above a line
 * `file_search vector_store_ids` at `likely` ("search", "store", "ids"). They carry no ask, and
 * dropping a fixed word can only join the parts of an ask it stood between.
 */
const API_WORDS: ReadonlySet<string> = new Set(
  [...STRUCTURAL_KEYS, ...STRUCTURAL_VALUES]
    .filter((w) => w.includes("_"))
    .map((w) => w.toLowerCase()),
);
const UNDERSCORED = /(?<![\p{L}\p{N}_])[\p{L}\p{N}]+(?:_[\p{L}\p{N}]+)+(?![\p{L}\p{N}_])/gu;

/** Drops the API's underscored words (see {@link API_WORDS}) from lower-cased text. */
export function dropApiWords(text: string): string {
  return text.includes("_") ? text.replace(UNDERSCORED, (w) => (API_WORDS.has(w) ? " " : w)) : text;
}

/** One text as model tokens, space-separated, on one line. */
export function modelText(raw: string): string {
  return modelWords(raw).join(" ");
}

/** The tokens of {@link modelText} as a list: what the model scores, without the join. */
export function modelWords(raw: string): string[] {
  let text = nfkc(withRunsDecoded(readEscapes(raw)));
  text = stripInvisible(text);
  text = dropApiWords(dropObjectIds(dropMachineIds(mapConfusables(text.toLowerCase()))));
  text = joinSpacedLetters(text);
  text = dropJunkInWords(text);
  text = deLeet(text);
  if (!ASCII_ONLY.test(text))
    text = foldLetters(text.normalize("NFD").replace(LATIN_ACCENTS, "$1").normalize("NFC"));
  return modelTokenList(text);
}

/**
 * How {@link modelTokens} reads a character: part of a word; white space (ends a word); or
 * punctuation, a symbol, or a character of a script written without spaces (a token of its own).
 */
const WORD = 0;
const SPACE_CHAR = 1;
const ALONE_CHAR = 2;
type CharKind = typeof WORD | typeof SPACE_CHAR | typeof ALONE_CHAR;

const SPACE = /^\s$/u;
const ALONE =
  /^(?:[\p{P}\p{S}]|[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}])$/u;
const kindOf = (ch: string): CharKind =>
  SPACE.test(ch) ? SPACE_CHAR : ALONE.test(ch) ? ALONE_CHAR : WORD;
const kindAt = charKinds(kindOf);

/**
 * Spaces out punctuation, symbols and each character of the scripts written without spaces (CJK,
 * Thai, ...) and joins everything with single spaces: the model's tokens, in one pass (three
 * replacements over the whole text cost a third of the model's time).
 */
export function modelTokens(text: string): string {
  return modelTokenList(text).join(" ");
}

/** The tokens of {@link modelTokens} as a list. */
function modelTokenList(text: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const kind = kindAt(cp);
    if (kind === WORD) {
      if (start < 0) start = i;
    } else {
      if (start >= 0) tokens.push(text.slice(start, i));
      start = -1;
      if (kind === ALONE_CHAR) tokens.push(text.slice(i, i + width));
    }
    i += width;
  }
  if (start >= 0) tokens.push(text.slice(start));
  return tokens;
}

/**
 * Hidden texts inside one: base64 segments, runs of character codes (hex, binary, decimal, Morse,
 * numbers for letters) and escaped parts (character references, `\u` escapes, percent-encoding)
 * that decode to readable text.
 */
export function decodedTexts(raw: string): string[] {
  const base64 = decodeBase64Segments(raw, 8);
  const codes = decodeCodeRuns(raw);
  const escaped = escapedRuns(raw);
  return codes.length === 0 && escaped.length === 0 ? base64 : [...base64, ...codes, ...escaped];
}

/** ROT13 of the Latin letters (a common way to hide an English ask). */
export function rot13(text: string): string {
  return shiftLetters(text, 13);
}

/** The Latin letters of `text` moved `n` places along the alphabet (a Caesar shift). */
export function shiftLetters(text: string, n: number): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + n) % 26) + base);
  });
}

/**
 * The decoding of a text hidden by shifting its letters: when the text names the shift ("ROT13",
 * "rot-5", "Caesar +3", "shifted by 4"; a Caesar cipher without a number is the classic 3), that
 * shift undone, whatever language it hides; else the ROT13 decoding of a short text when it reads
 * as English and the text does not ({@link englishGain}).
 * The model then scores it too. Decoding every short text instead gave gibberish that the model
 * scored at random, and plain questions ("How many faces are in this photo?") reached `possible`
 * through their own ROT13.
 */
export function cipherReading(raw: string): string | undefined {
  if (raw.length < NAMED_SHIFT_MAX) {
    const shift = namedShift(raw);
    if (shift !== undefined) return shiftLetters(raw, 26 - shift);
  }
  return englishReading(raw, rot13) ?? anyCipherReading(raw);
}

/**
 * Words that say a text is enciphered without a shift {@link NAMED_SHIFT} reads: "shift every
 * letter back by 3", "key=7", "Atbash", "cipher", "decrypt" (h188).
 */
const CIPHER_HINT = /\b(?:cipher|atbash|decrypt|encrypted|shift|key\s*[=:]\s*\d)/i;

/**
 * For a short text that says it is enciphered but names no shift {@link NAMED_SHIFT} reads, the
 * letter shift or Atbash (a to z, b to y) that gains the most English ({@link englishGain}, two
 * different words at least); 26 tries of a text under 400 characters, only behind the hint.
 */
function anyCipherReading(raw: string): string | undefined {
  if (raw.length >= 400 || !CIPHER_HINT.test(raw)) return undefined;
  let best: string | undefined;
  let bestGain = 1;
  for (let n = 1; n <= 26; n++) {
    const decoded = n === 26 ? atbash(raw) : shiftLetters(raw, n);
    const gain = englishGain(raw, decoded);
    if (gain > bestGain) {
      best = decoded;
      bestGain = gain;
    }
  }
  return best;
}

/** Atbash: each Latin letter mirrored in the alphabet (a to z, b to y). */
export function atbash(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(base + 25 - (c.charCodeAt(0) - base));
  });
}

/**
 * "rot13", "ROT-5", "caesar +3", "(Caesar, +3)", "Cäsar 3", "César +3", "Caesar cipher", "shift 4",
 * "shifted by -2": the letters' shift,
 * or undefined when the text names none ("Caesar" alone is a salad or an emperor). A text that names ROT13 ("Dekoduj ROT13 a udělej, co tam
 * stojí: xqb wr...") hid a Czech ask from the English test (h159); "Caesar +3, decode then do it:
 * qdph wkh pdq..." an English one, since only ROT13 was tried (h168); "Entschlüssle (Caesar, +3)
 * ...: Zhu lvw ghu Pdqq..." a German one behind a comma (h229).
 */
export function namedShift(raw: string): number | undefined {
  const m = NAMED_SHIFT.exec(raw);
  if (m === null) return undefined;
  const [, rot, namedSign, namedBy, caesarSign, caesarBy, shiftSign, shiftBy] = m;
  if (rot !== undefined) return Number(rot) % 26;
  const caesar = !m[0].toLowerCase().startsWith("shift");
  const sign = caesar ? (namedSign ?? caesarSign) : shiftSign;
  const by = caesar ? (namedBy ?? caesarBy) : shiftBy;
  const n = by === undefined ? 3 : Number(by) % 26;
  return sign === "-" ? (26 - n) % 26 : n;
}

const NAMED_SHIFT =
  /\b(?:rot[\s_-]?(\d{1,2})\b|(?:caesar|c[äe]sar|césar|cesare)(?:\s*(?:cipher|code|shift)(?:[\s,:;(]*(?:by\s*)?([+-])?\s*(\d{1,2})\b)?|[\s,:;(]*(?:by\s*)?([+-])?\s*(\d{1,2})\b)|shift(?:ed)?\s*(?:by\s*)?([+-])?\s*(\d{1,2})\b(?![:.]\d))/i;
/** Longest text decoded for naming its shift (the model reads it whole). */
const NAMED_SHIFT_MAX = 2000;

/**
 * The text read backwards ("?siht si ohW"), when that reads as English and the text does not
 * (the same test as {@link cipherReading}), or, in any language the rules' lexicons hold, when the
 * reversed text has words of them and the text as written has none; else undefined. Reversed asks
 * were among the red team's obfuscations the model missed, in French too.
 */
export function reversedReading(raw: string): string | undefined {
  // englishReading's own limits (under 400 characters, four letters in a row) are stricter.
  if (raw.length >= 400 || !/\p{L}{3}/u.test(raw)) return undefined;
  const reversed = reverse(raw);
  const english = englishReading(raw, () => reversed);
  if (english !== undefined) return english;
  // Other languages: the rules find an identification or verification ask in the reversed text
  // and their gate (a cheap look for the lexicons' words) nothing in the text as written ("?
  // otohp ettec rus emmef al tse iuQ"). The gate alone passed reversed harmless texts too.
  if (mayMatter(raw) || !mayMatter(reversed)) return undefined;
  const { purposes } = detectPurposes([{ where: "reversed", text: reversed }]);
  return purposes.includes("facial-identification") || purposes.includes("facial-verification")
    ? reversed
    : undefined;
}

function reverse(text: string): string {
  return Array.from(text).reverse().join("");
}

/**
 * `decode(raw)` when it gains two or more different common English words ({@link englishGain});
 * undefined for long texts and texts without a run of four letters.
 */
function englishReading(raw: string, decode: (text: string) => string): string | undefined {
  if (raw.length >= 400 || !/[a-z]{4}/i.test(raw)) return undefined;
  const decoded = decode(raw);
  return englishGain(raw, decoded) >= 2 ? decoded : undefined;
}
