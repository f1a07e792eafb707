/**
 * Finds lexicon terms in one normalised text. Word languages are matched token by token through
 * hash lookups (exact words, stems, a few infixes), so the cost is linear in the text and does not
 * grow with the number of languages; CJK languages are matched as substrings of the text with
 * its spaces removed, and only when the text holds CJK or Hangul characters at all.
 */

import { charKinds } from "./char-kinds.js";
import type { CompiledLexicons, Concept, WordEntry, WordPart } from "./lexicon.js";
import { buildTrie, type Trie, trieLookup } from "./trie.js";

/** The trie of a compiled lexicon set and its memo of first-word matches. */
interface Matcher {
  trie: Trie;
  /**
   * Per word seen, the entries whose first part it matches, in the order the trie, the infixes
   * and the suffixes give them: a text repeats its words, and a lookup of the whole word costs
   * less than a walk of the trie. Bounded: cleared when full.
   */
  heads: Map<string, readonly WordEntry[]>;
}

/** How many distinct words the memo of first-word matches keeps before it starts again. */
const HEADS_SIZE = 20_000;
const NO_ENTRIES: readonly WordEntry[] = Object.freeze([]);

const MATCHERS = new WeakMap<CompiledLexicons, Matcher>();
function matcherOf(lex: CompiledLexicons): Matcher {
  let m = MATCHERS.get(lex);
  if (m === undefined) {
    m = { trie: buildTrie(lex, () => true), heads: new Map() };
    MATCHERS.set(lex, m);
  }
  return m;
}

/** The entries whose first part matches `word`: stems and exact words, infixes, suffixes. */
function headEntries(lex: CompiledLexicons, m: Matcher, word: string): readonly WordEntry[] {
  const known = m.heads.get(word);
  if (known !== undefined) return known;
  let out: WordEntry[] | undefined;
  const add = (entry: WordEntry): void => {
    if (out === undefined) out = [entry];
    else out.push(entry);
  };
  trieLookup(m.trie, word, 0, word.length, (list) => {
    for (const entry of list) add(entry);
  });
  for (const entry of lex.infix) if (partMatches(entry.parts[0]!, word)) add(entry);
  const ends = lex.suffix.get(word.slice(-3));
  if (ends !== undefined) {
    for (const entry of ends) if (partMatches(entry.parts[0]!, word)) add(entry);
  }
  const entries = out ?? NO_ENTRIES;
  if (m.heads.size >= HEADS_SIZE) m.heads.clear();
  m.heads.set(word, entries);
  return entries;
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

/** The words of a text and, per word, its sentence and clause numbers (no object per word). */
export interface Tokens {
  words: string[];
  sent: number[];
  clause: number[];
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
export function tokenize(text: string): Tokens {
  const words: string[] = [];
  const sents: number[] = [];
  const clauses: number[] = [];
  const push = (word: string): void => {
    words.push(word);
    sents.push(sent);
    clauses.push(clause);
  };
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
    if (start >= 0) push(text.slice(start, i));
    start = -1;
    if (kind === ENDS_SENTENCE) {
      sent++;
      clause++;
    } else if (kind === ENDS_CLAUSE) clause++;
    i += width;
  }
  if (start >= 0) push(text.slice(start));
  return { words, sent: sents, clause: clauses };
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

function matchWords(lex: CompiledLexicons, tokens: Tokens): Hit[] {
  const { words, sent, clause } = tokens;
  const hits: Hit[] = [];
  const seen = new Set<string>();
  const tryEntry = (entry: WordEntry, i: number): void => {
    const first = sent[i]!;
    let j = i + 1;
    for (let p = 1; p < entry.parts.length; p++, j++) {
      if (j >= words.length || sent[j] !== first) return;
      const part = entry.parts[p]!;
      if (!anyFormMatches(part, words[j]!)) return;
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
      sent: first,
      clause: clause[i]!,
    });
  };
  let arabic = false;
  const matcher = matcherOf(lex);
  const matchForm = (word: string, i: number): void => {
    for (const entry of headEntries(lex, matcher, word)) tryEntry(entry, i);
  };
  for (let i = 0; i < words.length; i++) {
    const t = words[i]!;
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
  // Hits of one language tend to follow each other: look the list up only when the language changes.
  let lang: string | undefined;
  let list: Hit[] = [];
  for (const hit of all) {
    if (hit.lang !== lang) {
      lang = hit.lang;
      const known = byLang.get(lang);
      if (known === undefined) {
        list = [];
        byLang.set(lang, list);
      } else list = known;
    }
    list.push(hit);
  }
  return byLang;
}
