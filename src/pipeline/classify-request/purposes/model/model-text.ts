/**
 * The text the purpose model reads, the same at training and at prediction: obfuscation undone
 * (NFKC, invisible characters, look-alike letters in Latin words, spaced letters, junk inside
 * words, leetspeak), lower case,
 * accents dropped from Latin letters only (Devanagari, Bengali and Thai marks are letters), and
 * split into the tokens fastText sees: punctuation apart, and Chinese, Japanese and Thai, which do
 * not separate words with spaces, one character per token (the model's word bigrams then see
 * character pairs). Pure.
 */
import { decodeBase64Segments } from "../base64.js";
import {
  deLeet,
  dropJunkInWords,
  joinSpacedLetters,
  mapConfusables,
  nfkc,
  stripInvisible,
} from "../normalise.js";

/** Scripts written without spaces between words. */
const UNSPACED =
  /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}])/gu;
/** Punctuation and symbols become tokens of their own. */
const PUNCT = /([\p{P}\p{S}])/gu;
/** Combining marks that follow a Latin letter (its accents). */
const LATIN_ACCENTS = /(\p{Script=Latin})\p{M}+/gu;

/**
 * Machine identifiers (`conv_0cb7612...`, `file-...`, hashes, keys): 16 or more letters and digits
 * with at least four digits, or 12 or more hex digits with at least two digits (a glued leetspeak
 * ask such as `1d3nt1fyh1m` is shorter and stays). They carry no language, and their random
 * character n-grams moved a short ask beside them by several log-odds ("Who?" next to a
 * conversation id fell from certain to below `possible`). Dropped before leetspeak is undone;
 * base64 and hex runs are decoded from the raw text (`decodedTexts`).
 */
const MACHINE_ID =
  /(?<![\p{L}\p{N}])(?:(?=(?:[a-z]*\d){4})[a-z0-9]{16,}|(?=[a-f]*\d[a-f]*\d)[0-9a-f]{12,})(?![\p{L}\p{N}])/gu;

/** One text as model tokens, space-separated, on one line. */
export function modelText(raw: string): string {
  let text = nfkc(raw);
  text = stripInvisible(text);
  text = mapConfusables(text.toLowerCase()).replace(MACHINE_ID, " ");
  text = joinSpacedLetters(text);
  text = dropJunkInWords(text);
  text = deLeet(text);
  text = text.normalize("NFD").replace(LATIN_ACCENTS, "$1").normalize("NFC");
  text = text.replace(PUNCT, " $1 ").replace(UNSPACED, " $1 ");
  return text.replace(/\s+/g, " ").trim();
}

const HEX_RUN = /\b(?:[0-9a-f]{2}[\s:]?){8,}\b/gi;

/** Hidden texts inside one: base64 segments and hex runs that decode to readable text. */
export function decodedTexts(raw: string): string[] {
  const out = decodeBase64Segments(raw, 8);
  for (const m of raw.matchAll(HEX_RUN)) {
    const hex = m[0].replace(/[\s:]/g, "");
    const text = Buffer.from(hex, "hex").toString("utf8");
    if (/^[\p{L}\p{N}\p{P}\p{Zs}]{6,}$/u.test(text)) out.push(text);
  }
  return out;
}

/** ROT13 of the Latin letters (a common way to hide an English ask). */
export function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Common English words: ROT13 hides English, and its decoding reads as English again. */
const ENGLISH_WORDS: ReadonlySet<string> = new Set(
  (
    "the is are was who whom whose what this that these those of and in on to with for from " +
    "he she his her him they them their it you me my name names person man woman guy face " +
    "photo picture image identify identity recognize recognise match find tell"
  ).split(" "),
);

const englishWordCount = (text: string) => {
  let n = 0;
  for (const w of text.toLowerCase().split(/[^a-z]+/)) if (ENGLISH_WORDS.has(w)) n++;
  return n;
};

/**
 * The ROT13 decoding of a short text when it reads as English and the text does not (two or more
 * common English words more than the text holds): the model then scores it too. Decoding every
 * short text instead gave gibberish that the model scored at random, and plain questions
 * ("How many faces are in this photo?") reached `possible` through their own ROT13.
 */
export function rot13Reading(raw: string): string | undefined {
  if (raw.length >= 400 || !/[a-z]{4}/i.test(raw)) return undefined;
  const decoded = rot13(raw);
  const gained = englishWordCount(decoded);
  return gained >= 2 && gained > englishWordCount(raw) ? decoded : undefined;
}
