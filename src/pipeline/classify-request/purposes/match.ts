/**
 * Finds lexicon terms in one normalised text. Word languages are matched token by token through
 * hash lookups (exact words, stems, a few infixes), so the cost is linear in the text and does not
 * grow with the number of languages; CJK languages are matched as substrings of the text with
 * its spaces removed, and only when the text holds CJK or Hangul characters at all.
 */

import { charKinds } from "./char-kinds.js";
import type { CompiledLexicons, Concept, WordEntry, WordPart } from "./lexicon.js";
import { buildTrie, type Trie, trieLookup } from "./trie.js";

const TRIES = new WeakMap<CompiledLexicons, Trie>();
function trieOf(lex: CompiledLexicons): Trie {
  let t = TRIES.get(lex);
  if (t === undefined) {
    t = buildTrie(lex, () => true);
    TRIES.set(lex, t);
  }
  return t;
}

/** One term found. Positions are token indexes (word languages) or character offsets (CJK). */
export interface Hit {
  lang: string;
  concept: Concept;
  /** First unit of the match. */
  s: number;
  /** One past the last unit. */
  e: number;
  sent: number;
  clause: number;
}

interface Token {
  t: string;
  sent: number;
  clause: number;
}

const SENTENCE_END = /^[.!?;\n。！？؟؛]$/u;
const CLAUSE_END = /^[,:،，、：]$/u;
const ARABIC = /^[\u0600-\u06FF]/u;
/** Arabic proclitics written joined to the word: conjunction, then preposition and/or article. */
const ARABIC_PROCLITIC = /^(?:[وف])?(?:بال|كال|لل|ال|ب|ل|ك)?/u;
const BEYOND_JAMO = /[\u1100-\uffff]/;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** How {@link tokenize} reads a character: in a word, a sentence end, a clause end, or nothing. */
const IN_WORD = 0;
const ENDS_SENTENCE = 1;
const ENDS_CLAUSE = 2;
const OTHER = 3;
type CharKind = typeof IN_WORD | typeof ENDS_SENTENCE | typeof ENDS_CLAUSE | typeof OTHER;
const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;
const kindOf = (ch: string): CharKind =>
  WORD_CHAR.test(ch)
    ? IN_WORD
    : SENTENCE_END.test(ch)
      ? ENDS_SENTENCE
      : CLAUSE_END.test(ch)
        ? ENDS_CLAUSE
        : OTHER;
const kindAt = charKinds(kindOf);

/**
 * The words of a text with their sentence and clause numbers: runs of letters, digits and marks;
 * sentence ends (`.!?;`, newline, CJK and Arabic stops) and clause ends (`,:` and their CJK and
 * Arabic forms) only count. One pass over the characters (a regular expression and two tests
 * per token cost twice as much).
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let sent = 0;
  let clause = 0;
  let start = -1;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const kind = kindAt(cp);
    if (kind === IN_WORD) {
      if (start < 0) start = i;
      i += width;
      continue;
    }
    if (start >= 0) tokens.push({ t: text.slice(start, i), sent, clause });
    start = -1;
    if (kind === ENDS_SENTENCE) {
      sent++;
      clause++;
    } else if (kind === ENDS_CLAUSE) clause++;
    i += width;
  }
  if (start >= 0) tokens.push({ t: text.slice(start), sent, clause });
  return tokens;
}

function partMatches(part: WordPart, word: string): boolean {
  if (part.how === "exact") return word === part.text;
  if (part.how === "prefix") return word.startsWith(part.text);
  if (part.how === "suffix") return word.length > part.text.length && word.endsWith(part.text);
  return word.length > part.text.length && word.includes(part.text);
}

/** Whether a word starts with an Arabic letter (and may carry joined proclitics). */
function mayBeArabic(word: string): boolean {
  const c = word.charCodeAt(0);
  return c >= 0x0600 && c <= 0x06ff;
}

/** Whether `part` matches the word or, for Arabic, one of its forms (no array for other words). */
function anyFormMatches(part: WordPart, word: string): boolean {
  if (!mayBeArabic(word)) return partMatches(part, word);
  return wordForms(word).some((f) => partMatches(part, f));
}

/** The word and, for Arabic, the word without its joined proclitics (و، ف، ال، ب، ل، ك). */
export function wordForms(word: string): readonly string[] {
  if (!mayBeArabic(word) || !ARABIC.test(word)) return [word];
  const stripped = word.replace(ARABIC_PROCLITIC, "");
  const conj = word.replace(/^[وف]/u, "");
  const out = [word];
  if (conj !== word && conj.length > 1) out.push(conj);
  if (stripped !== word && stripped !== conj && stripped.length > 1) out.push(stripped);
  return out;
}

function matchWords(lex: CompiledLexicons, tokens: readonly Token[]): Hit[] {
  const hits: Hit[] = [];
  const seen = new Set<string>();
  const tryEntry = (entry: WordEntry, i: number): void => {
    const first = tokens[i]!;
    let j = i + 1;
    for (let p = 1; p < entry.parts.length; p++, j++) {
      const next = tokens[j];
      if (next === undefined || next.sent !== first.sent) return;
      const part = entry.parts[p]!;
      if (!anyFormMatches(part, next.t)) return;
    }
    if (arabic) {
      // Several forms of one Arabic word may reach the same entry; count it once.
      const key = `${entry.lang}|${entry.concept}|${i}|${j}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    hits.push({
      lang: entry.lang,
      concept: entry.concept,
      s: i,
      e: j,
      sent: first.sent,
      clause: first.clause,
    });
  };
  let arabic = false;
  let at = 0;
  const visit = (list: readonly WordEntry[]): void => {
    for (const entry of list) tryEntry(entry, at);
  };
  const trie = trieOf(lex);
  const matchForm = (word: string, i: number): void => {
    trieLookup(trie, word, 0, word.length, visit);
    for (const entry of lex.infix) {
      if (partMatches(entry.parts[0]!, word)) tryEntry(entry, i);
    }
    const ends = lex.suffix.get(word.slice(-3));
    if (ends !== undefined) {
      for (const entry of ends) if (partMatches(entry.parts[0]!, word)) tryEntry(entry, i);
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.t;
    at = i;
    arabic = false;
    if (!mayBeArabic(t)) {
      matchForm(t, i);
      continue;
    }
    const forms = wordForms(t);
    arabic = forms.length > 1;
    for (const word of forms) matchForm(word, i);
  }
  return hits;
}

function matchChars(lex: CompiledLexicons, text: string): Hit[] {
  const compact = text.replace(/[^\S\n]+/g, "");
  const hits: Hit[] = [];
  let sent = 0;
  let clause = 0;
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i]!;
    if (SENTENCE_END.test(ch)) {
      sent++;
      clause++;
      continue;
    }
    if (CLAUSE_END.test(ch)) {
      clause++;
      continue;
    }
    for (const entry of lex.chars.get(ch) ?? []) {
      if (compact.startsWith(entry.term, i)) {
        hits.push({
          lang: entry.lang,
          concept: entry.concept,
          s: i,
          e: i + entry.term.length,
          sent,
          clause,
        });
      }
    }
  }
  return hits;
}

/** All hits of all languages in one normalised text, grouped by language. */
export function findHits(lex: CompiledLexicons, text: string): Map<string, Hit[]> {
  const byLang = new Map<string, Hit[]>();
  const all = matchWords(lex, tokenize(text));
  // CJK and Hangul code units are all at U+1100 or above: most texts skip the script test.
  if (BEYOND_JAMO.test(text) && CJK.test(text)) all.push(...matchChars(lex, text));
  for (const hit of all) {
    const list = byLang.get(hit.lang);
    if (list) list.push(hit);
    else byLang.set(hit.lang, [hit]);
  }
  return byLang;
}
