/**
 * Finds lexicon terms in one normalised text. Word languages are matched token by token through
 * hash lookups (exact words, stems, a few infixes), so the cost is linear in the text and does not
 * grow with the number of languages; CJK languages are matched as substrings of the text with
 * its spaces removed, and only when the text holds CJK or Hangul characters at all.
 */
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

const TOKEN = /[\p{L}\p{N}\p{M}]+|[.!?;\n。！？؟؛]|[,:،，、：]/gu;
const SENTENCE_END = /^[.!?;\n。！？؟؛]$/u;
const CLAUSE_END = /^[,:،，、：]$/u;
const ARABIC = /^[\u0600-\u06FF]/u;
/** Arabic proclitics written joined to the word: conjunction, then preposition and/or article. */
const ARABIC_PROCLITIC = /^(?:[وف])?(?:بال|كال|لل|ال|ب|ل|ك)?/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let sent = 0;
  let clause = 0;
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    if (SENTENCE_END.test(t)) {
      sent++;
      clause++;
    } else if (CLAUSE_END.test(t)) clause++;
    else tokens.push({ t, sent, clause });
  }
  return tokens;
}

function partMatches(part: WordPart, word: string): boolean {
  if (part.how === "exact") return word === part.text;
  if (part.how === "prefix") return word.startsWith(part.text);
  if (part.how === "suffix") return word.length > part.text.length && word.endsWith(part.text);
  return word.length > part.text.length && word.includes(part.text);
}

/** The word and, for Arabic, the word without its joined proclitics (و، ف، ال، ب، ل، ك). */
export function wordForms(word: string): string[] {
  const c = word.charCodeAt(0);
  if (c < 0x0600 || c > 0x06ff || !ARABIC.test(word)) return [word];
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
      if (!wordForms(next.t).some((f) => partMatches(part, f))) return;
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
  for (let i = 0; i < tokens.length; i++) {
    const forms = wordForms(tokens[i]!.t);
    arabic = forms.length > 1;
    at = i;
    for (const word of forms) {
      trieLookup(trie, word, 0, word.length, visit);
      for (const entry of lex.infix) {
        if (partMatches(entry.parts[0]!, word)) tryEntry(entry, i);
      }
      const ends = lex.suffix.get(word.slice(-3));
      if (ends !== undefined) {
        for (const entry of ends) if (partMatches(entry.parts[0]!, word)) tryEntry(entry, i);
      }
    }
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
  if (CJK.test(text)) all.push(...matchChars(lex, text));
  for (const hit of all) {
    const list = byLang.get(hit.lang);
    if (list) list.push(hit);
    else byLang.set(hit.lang, [hit]);
  }
  return byLang;
}
