/**
 * The cheap first look at a raw text: can it possibly ask for a purpose? Most prompts (chat,
 * summaries, code, translations) cannot, and must cost next to nothing, so this runs before the
 * normalisation ladder: for ASCII text, one pass over the raw char codes (lower-casing on the fly,
 * a flat trie of the lexicons' first words) that allocates nothing; other text is lower-cased and
 * stripped of diacritics first.
 *
 * A text passes when, in one sentence, it holds
 * - a strong term (a face-recognition noun, "same person", a mugshot or watchlist), or
 * - an anchor (who-phrase, identify, same, match, verify, find, count/blur, describe, read,
 *   emotion, clothing...) together with a companion (a person, face, image or this/that).
 *
 * Every recognition rule needs such a pair, so the gate never hides one. Terms are the lexicons'
 * own, with their multi-word tails checked. Anything that looks obfuscated passes untested and is
 * left to the full ladder: invisible format characters, full-width or mathematical letters,
 * Greek or IPA letters, Cyrillic mixed into Latin words, three or more spaced-out single letters;
 * leetspeak is undone cheaply and scanned again, base64 runs are decoded and gated in turn.
 */
import { decodeBase64Segments, MIN_RUN } from "./encoded-runs.js";
import type { CharEntry, CompiledLexicons, Concept, WordEntry, WordPart } from "./lexicon.js";
import { wordForms } from "./match.js";
import { deLeet, foldLite } from "./normalise.js";
import { buildTrie, type Trie, trieStep } from "./trie.js";

const STRONG_CONCEPTS: ReadonlySet<Concept> = new Set([
  "recog",
  "recogVerify",
  "samePerson",
  "refStrong",
]);
const ANCHOR_CONCEPTS: ReadonlySet<Concept> = new Set([
  "who",
  "identify",
  "verify",
  "match",
  "same",
  "seek",
  "benign",
  "analysis",
  "personDesc",
  "text",
  "scene",
  "appear",
  "whichQ",
  "whoWord",
]);
const COMPANION_CONCEPTS: ReadonlySet<Concept> = new Set([
  "person",
  "face",
  "image",
  "deictic",
  "refStrong",
]);

const STRONG = 1;
const ANCHOR = 2;
const COMPANION = 4;

function bitsOf(c: Concept): number {
  return (
    (STRONG_CONCEPTS.has(c) ? STRONG : 0) |
    (ANCHOR_CONCEPTS.has(c) ? ANCHOR : 0) |
    (COMPANION_CONCEPTS.has(c) ? COMPANION : 0)
  );
}

/** Non-ASCII characters that only obfuscation (or maths) puts in a prompt: let the ladder see. */
const SUSPICIOUS =
  /[\u00AD\u0250-\u02FF\u0370-\u03FF\u115F\u1160\u17B4\u17B5\u1D00-\u1DBF\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2100-\u214F\u2460-\u24FF\u3164\uA730\uA731\uA7AF\uFB00-\uFB06\uFEFF\uFF00-\uFFEF\uD835\uDB40\u0400-\u04FF]|\u034F|[\u180B-\u180F]|[\uFE00-\uFE0F]/;
const CYRILLIC = /[\u0400-\u04FF]/;
const CYRILLIC_ALL = /[\u0400-\u04FF]/g;
/** Cyrillic inside a Latin word, or a Cyrillic letter that Russian does not use. */
const CYRILLIC_DISGUISE =
  /[a-z][\u0400-\u04FF]|[\u0400-\u04FF][a-z]|[\u0405\u0406\u0407\u0408\u0455\u0456\u0457\u0458\u04BB\u04C0\u04CF\u0501\u051B\u051D]/i;
const CAMEL_UNICODE = /(\p{Ll})(\p{Lu})/gu;
const CJK = /[\u3040-\u30FF\u3400-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF\u1100-\u11FF\u3130-\u318F]/;
const COMPACT = /[^\S\n]+/g;
/** How deep base64 inside base64 is followed (as in the classifier). */
const MAX_DEPTH = 2;

function isSentenceEnd(c: number): boolean {
  return (
    c === 46 || // .
    c === 33 || // !
    c === 63 || // ?
    c === 59 || // ;
    c === 10 ||
    c === 0x3002 ||
    c === 0xff01 ||
    c === 0xff1f ||
    c === 0x061f ||
    c === 0x061b
  );
}

/** Letters, digits and marks as the tokenizer sees them; CJK is left to the character pass. */
function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  if (c < 0xc0) return c === 0xaa || c === 0xb5 || c === 0xba;
  if (c === 0xd7 || c === 0xf7) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false;
  if (c >= 0x3000) return false; // CJK, Hangul, punctuation, surrogates: character pass
  if (c === 0x060c || c === 0x061b || c === 0x061f || (c >= 0x066a && c <= 0x066d)) return false;
  return true;
}

/** Separators that `joinSpacedLetters` joins single letters across. */
function isSpacer(c: number): boolean {
  return (
    c === 32 ||
    c === 46 ||
    c === 45 ||
    c === 95 ||
    c === 42 ||
    c === 124 ||
    c === 47 ||
    c === 43 ||
    c === 126 ||
    c === 0xb7 ||
    c === 0x2022
  );
}

export type Gate = (raw: string) => boolean;

interface Tables {
  trie: Trie;
  infix: { text: string; bits: number }[];
  /** `*end` terms by their last character code (ASCII, lower case): checked once per word. */
  suffix: ({ text: string; bits: number }[] | undefined)[];
  chars: Map<string, CharEntry[]>;
}

function build(lex: CompiledLexicons): Tables {
  const t: Tables = {
    trie: buildTrie(lex, (c) => bitsOf(c) !== 0),
    infix: [],
    suffix: [],
    chars: new Map(),
  };
  for (const list of lex.suffix.values()) {
    for (const e of list) {
      const bits = bitsOf(e.concept);
      const text = e.parts[0]!.text;
      const last = text.charCodeAt(text.length - 1);
      if (bits === 0) continue;
      // Non-ASCII endings are looked for as infixes: the gate may pass more, never less.
      if (last >= 128) t.infix.push({ text, bits });
      else {
        const list = t.suffix[last] ?? [];
        list.push({ text, bits });
        t.suffix[last] = list;
      }
    }
  }
  for (const e of lex.infix) {
    const bits = bitsOf(e.concept);
    if (bits !== 0) t.infix.push({ text: e.parts[0]!.text, bits });
  }
  for (const [k, list] of lex.chars) {
    for (const e of list) {
      if (bitsOf(e.concept) === 0) continue;
      const l = t.chars.get(k);
      if (l) l.push(e);
      else t.chars.set(k, [e]);
    }
  }
  return t;
}

function partMatches(part: WordPart, word: string): boolean {
  if (part.how === "exact") return word === part.text;
  if (part.how === "prefix") return word.startsWith(part.text);
  if (part.how === "suffix") return word.length > part.text.length && word.endsWith(part.text);
  return word.length > part.text.length && word.includes(part.text);
}

/** The last word read as a tail, kept: the heads of many multi-word terms share it. */
let cacheText = "";
let cacheAt = -1;
let cacheForms: readonly string[] = [];
function formsAt(s: string, i: number, j: number): readonly string[] {
  if (s !== cacheText || i !== cacheAt) {
    cacheText = s;
    cacheAt = i;
    cacheForms = wordForms(s.slice(i, j).toLowerCase());
  }
  return cacheForms;
}

/** Whether the words after `from` (same sentence) match the tail of a multi-word term. */
function tailMatches(entry: WordEntry, s: string, from: number): boolean {
  let pos = from;
  for (let p = 1; p < entry.parts.length; p++) {
    while (pos < s.length && !isWordChar(s.charCodeAt(pos))) {
      if (isSentenceEnd(s.charCodeAt(pos))) return false;
      pos++;
    }
    if (pos >= s.length) return false;
    let end = pos + 1;
    while (end < s.length && isWordChar(s.charCodeAt(end))) end++;
    const forms = formsAt(s, pos, end);
    const part = entry.parts[p]!;
    if (!forms.some((f) => partMatches(part, f))) return false;
    pos = end;
  }
  return true;
}

function entryBits(list: readonly WordEntry[] | undefined, s: string, end: number): number {
  if (list === undefined) return 0;
  let bits = 0;
  for (const e of list) {
    if (e.parts.length === 1 || tailMatches(e, s, end)) bits |= bitsOf(e.concept);
  }
  return bits;
}

/** Walks the trie along w[i, j); multi-word tails are read in s from `end` on. */
function walk(t: Tables, w: string, i: number, j: number, s: string, end: number): number {
  let bits = 0;
  let n = 0;
  for (let k = i; k < j; k++) {
    n = trieStep(t.trie, n, w.charCodeAt(k));
    if (n === 0) return bits;
    const p = t.trie.prefix[n];
    if (p !== undefined) bits |= entryBits(p, s, end);
  }
  // Digits share a trie column: a superset, which is all a gate needs.
  const x = t.trie.exact[n];
  if (x !== undefined) bits |= entryBits(x, s, end);
  return bits;
}

function wordBits(t: Tables, s: string, i: number, j: number): number {
  const a = s.charCodeAt(i);
  if (a < 0x0600 || a > 0x06ff) return walk(t, s, i, j, s, j);
  // Arabic: also without the joined proclitics (و، ف، ال، ب، ل، ك).
  let bits = 0;
  for (const form of wordForms(s.slice(i, j))) bits |= walk(t, form, 0, form.length, s, j);
  return bits;
}

/** What one scan found. */
const YES = 1;
/** No pair, but a word mixes letters with leetspeak digits or symbols. */
const LEET = 2;
/** A run of base64 characters long enough to decode. */
const RUN = 4;
/** A non-ASCII character, in a scan of raw ASCII text: fold the text and scan it again. */
const FOREIGN = 8;

function isLeetDigit(c: number): boolean {
  return c === 48 || c === 49 || c === 51 || c === 52 || c === 53 || c === 55 || c === 57;
}
function isLeetSymbol(c: number): boolean {
  return c === 64 || c === 36 || c === 124 || c === 33 || c === 0x20ac;
}

/** Character classes of ASCII codes, one table load per character on the common path. */
const W = 1; // word character
const END = 2; // sentence end
const SPACER = 4; // joins spaced-out letters
const LDIGIT = 8; // leetspeak digit
const LETTER = 16;
const LSYMBOL = 32; // leetspeak symbol
const B64 = 64; // base64 alphabet
const UPPER = 128;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  let k = 0;
  if (isWordChar(c)) k |= W;
  if (isSentenceEnd(c)) k |= END;
  if (isSpacer(c)) k |= SPACER;
  if (isLeetDigit(c)) k |= LDIGIT;
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) k |= LETTER;
  if (c >= 65 && c <= 90) k |= UPPER;
  if (isLeetSymbol(c)) k |= LSYMBOL;
  if (isWordChar(c) || c === 43 || c === 47 || c === 95 || c === 45) k |= B64;
  ASCII_CLASS[c] = k;
}
function classOf(c: number): number {
  if (c < 128) return ASCII_CLASS[c]!;
  let k = 0;
  if (isWordChar(c)) k |= W | LETTER;
  if (isSentenceEnd(c)) k |= END;
  if (isSpacer(c)) k |= SPACER;
  if (isLeetSymbol(c)) k |= LSYMBOL;
  return k;
}

/**
 * One pass over a text's words: YES when a sentence holds a strong term or an anchor with a
 * companion. `raw` texts are read as they are (ASCII letters lower-cased on the fly, camelCase
 * split); the pass stops with FOREIGN at the first non-ASCII character.
 */
function scanWords(t: Tables, s: string, raw: boolean): number {
  // Infixes (German and Dutch compounds) are rare: find them up front.
  let infixAt: { pos: number; bits: number }[] | undefined;
  for (const x of t.infix) {
    for (let p = s.indexOf(x.text); p !== -1; p = s.indexOf(x.text, p + 1)) {
      infixAt ??= [];
      infixAt.push({ pos: p, bits: x.bits });
    }
  }
  let anchor = false;
  let companion = false;
  let singles = 0;
  let singleEnd = -2;
  let found = 0;
  let run = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (raw && c >= 128) return FOREIGN;
    const k = classOf(c);
    if ((k & W) === 0) {
      if ((k & END) !== 0) {
        anchor = false;
        companion = false;
      }
      run = (k & B64) !== 0 ? run + 1 : 0;
      if (run >= MIN_RUN) found |= RUN;
      i++;
      continue;
    }
    let j = i + 1;
    let seen = k;
    let d = 0;
    let prev = k;
    while (j < n) {
      const e = s.charCodeAt(j);
      if (raw && e >= 128) return FOREIGN;
      d = classOf(e);
      if ((d & W) === 0) break;
      // camelCase: a capital after a small letter starts a new word (`findPerson`).
      if (raw && (d & UPPER) !== 0 && (prev & (LETTER | UPPER)) === LETTER) break;
      seen |= d;
      prev = d;
      j++;
    }
    run += j - i;
    if (run >= MIN_RUN) found |= RUN;
    if ((seen & LETTER) !== 0 && (found & LEET) === 0) {
      const leet =
        (seen & LDIGIT) !== 0 ||
        ((d & LSYMBOL) !== 0 && j < n - 1 && (classOf(s.charCodeAt(j + 1)) & LETTER) !== 0) ||
        (i > 0 && (classOf(s.charCodeAt(i - 1)) & LSYMBOL) !== 0);
      if (leet) found |= LEET;
    }
    // Spaced-out letters ("w h o", "f.a.c.e"): three single units across single separators.
    if (j === i + 1) {
      singles =
        singleEnd === i - 1 && (classOf(s.charCodeAt(i - 1)) & SPACER) !== 0 ? singles + 1 : 1;
      if (singles >= 3) return YES;
      singleEnd = j;
    } else singles = 0;
    let bits = wordBits(t, s, i, j);
    if (infixAt !== undefined) {
      for (const x of infixAt) if (x.pos >= i && x.pos < j) bits |= x.bits;
    }
    if (j - i > 3) {
      const last = s.charCodeAt(j - 1);
      const ends = t.suffix[last < 128 ? last | 32 : 0];
      if (ends !== undefined) {
        for (const x of ends) if (endsWith(s, i, j, x.text)) bits |= x.bits;
      }
    }
    if (bits !== 0) {
      if ((bits & STRONG) !== 0) return YES;
      if ((bits & ANCHOR) !== 0) anchor = true;
      if ((bits & COMPANION) !== 0) companion = true;
      if (anchor && companion) return YES;
    }
    i = j;
  }
  return found;
}

/** Whether the word `s[i..j)` is longer than `end` and ends with it (ASCII letters in any case). */
function endsWith(s: string, i: number, j: number, end: string): boolean {
  const m = end.length;
  if (j - i <= m) return false;
  for (let k = 1; k <= m; k++) {
    const c = s.charCodeAt(j - k);
    if ((c < 128 ? c | 32 : c) !== end.charCodeAt(m - k)) return false;
  }
  return true;
}

export function createGate(lex: CompiledLexicons): Gate {
  const t = build(lex);
  const gate = (raw: string, depth: number): boolean => {
    if (raw.length === 0) return false;
    // Plain ASCII, the common case: one pass over the raw text, nothing allocated.
    let found = scanWords(t, raw, true);
    let s = raw;
    if (found === FOREIGN) {
      if (SUSPICIOUS.test(raw)) {
        // Cyrillic is also Russian: only a disguise or a mostly Latin text needs the ladder.
        if (!CYRILLIC.test(raw) || CYRILLIC_DISGUISE.test(raw) || mostlyLatin(raw)) return true;
        if (SUSPICIOUS.test(raw.replace(CYRILLIC_ALL, ""))) return true;
      }
      s = foldLite(raw.replace(CAMEL_UNICODE, "$1 $2"));
      if (CJK.test(s) && scanChars(t, s)) return true;
      found = scanWords(t, s, false);
      if (hasLongRun(raw)) found |= RUN;
    } else s = raw.toLowerCase();
    if ((found & YES) !== 0) return true;
    if ((found & LEET) !== 0) {
      const i = deLeet(s, "i");
      if (i !== s && (scanWords(t, i, false) & YES) !== 0) return true;
      const l = deLeet(s, "l");
      if (l !== s && l !== i && (scanWords(t, l, false) & YES) !== 0) return true;
    }
    if ((found & RUN) !== 0 && depth < MAX_DEPTH) {
      for (const decoded of decodeBase64Segments(raw)) if (gate(decoded, depth + 1)) return true;
    }
    return false;
  };
  return (raw) => gate(raw, 0);
}

/** The same test for Chinese, Japanese and Korean terms, on the text with spaces removed. */
function scanChars(t: Tables, s: string): boolean {
  const compact = s.replace(COMPACT, "");
  let anchor = false;
  let companion = false;
  for (let i = 0; i < compact.length; i++) {
    const c = compact.charCodeAt(i);
    if (isSentenceEnd(c)) {
      anchor = false;
      companion = false;
      continue;
    }
    if (c < 0x3000) continue;
    const list = t.chars.get(compact[i]!);
    if (list === undefined) continue;
    for (const e of list) {
      if (!compact.startsWith(e.term, i)) continue;
      const bits = bitsOf(e.concept);
      if ((bits & STRONG) !== 0) return true;
      if ((bits & ANCHOR) !== 0) anchor = true;
      if ((bits & COMPANION) !== 0) companion = true;
    }
    if (anchor && companion) return true;
  }
  return false;
}

/** A run of at least `MIN_RUN` base64 characters. */
function hasLongRun(raw: string): boolean {
  let run = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 128 || (ASCII_CLASS[c]! & B64) === 0) run = 0;
    else if (++run >= MIN_RUN) return true;
  }
  return false;
}

/** More Latin letters than Cyrillic ones: Cyrillic words in it may be disguised Latin. */
function mostlyLatin(raw: string): boolean {
  let latin = 0;
  let cyrillic = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i) | 32;
    if (c >= 97 && c <= 122) latin++;
    else if (c >= 0x400 && c <= 0x4ff) cyrillic++;
  }
  return latin > cyrillic;
}
