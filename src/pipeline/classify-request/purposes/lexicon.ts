/**
 * The shape of a per-language lexicon and its compilation into lookup tables. Lexicons are data
 * (`lexicons/<lang>.yaml`, read and checked by `lexicon-file.ts`); terms are written naturally
 * (accents, capitals) and folded here with the same `fold` the text gets, so both sides always
 * agree.
 */
import { fold, nfkc } from "./normalise.js";

/**
 * Concepts the rules combine. A term belongs to one concept of one language.
 * - `face` face nouns; `person` people nouns and pronouns; `deictic` this/that (as "who is this");
 * - `image` photo, frame, footage; `who` interrogative who-phrases;
 * - `recog` face-recognition nouns (identification), `recogVerify` face-verification nouns;
 * - `identify` identity verbs and nouns (identify, recognise, name, identity, track, look up);
 * - `verify` verify/confirm; `match` match/compare/resemble; `same` the word same;
 * - `samePerson` whole phrases such as "same person"; `seek` find/search/check/run against;
 * - `ref` galleries to search (database, social media, other photos), `refStrong` galleries of
 *   people by nature (mugshot, watchlist); `object` things and roles that are not a person
 *   (car, bird, font, author); `query` what/where/whether, which make "identify" not about a person;
 * - `benign` face actions that do not identify (count, blur, detect); `only` just/only;
 * - `neg` negation cues; `topic` talking about a technology rather than using it;
 * - `analysis`, `personDesc`, `text`, `scene`: the other purposes;
 * - `poss` possessive markers (`'s`, 的, の) that make "the suspect's car" about the car;
 * - `none` masks: phrases whose words must not count (`face value`, 其他 which holds 他 "he");
 * - `marker` frequent function words, used only to tell Latin-script languages apart;
 * - `appear` appears / shows up / aparece (re-identification: "where this man appears");
 * - `reid` again, elsewhere, across, other cameras, every frame: a person sought beyond the image;
 * - `whichQ` which / cuál / welche: "which of our employees is this", "identify which visitor";
 * - `data` tables, spreadsheets, CSV: "identify the customers likely to churn" is about records;
 * - `whoWord` bare interrogative who-words (who, wer, qui, кто), read only by the sentence-level
 *   scoring stage, which wants a person near them ("who exactly is the woman waving…");
 * - `forWhom` recipient phrases ("for whom", "para quién", "für wen", 给谁): "who is this gift
 *   for?" asks about a recipient, not an identity.
 */
export const CONCEPTS = [
  "face",
  "person",
  "deictic",
  "image",
  "who",
  "recog",
  "recogVerify",
  "identify",
  "verify",
  "match",
  "same",
  "samePerson",
  "seek",
  "ref",
  "refStrong",
  "object",
  "query",
  "benign",
  "only",
  "neg",
  "topic",
  "analysis",
  "personDesc",
  "text",
  "scene",
  "poss",
  "none",
  "marker",
  "appear",
  "reid",
  "whichQ",
  "data",
  "whoWord",
  "forWhom",
] as const;
export type Concept = (typeof CONCEPTS)[number];

/**
 * One language. In `words` mode a term is one or more words; a word ending in `*` is a stem
 * (prefix), a word written `*stem*` matches inside a longer word and `*end` at the end of one (German compounds). In `chars`
 * mode (Chinese, Japanese, Korean) terms are substrings of the text with all spaces removed.
 */
export interface Lexicon {
  lang: string;
  mode: "words" | "chars";
  /** Object before verb (Turkish, Japanese, Korean): look backwards from a verb first. */
  headFinal?: boolean;
  /** How many units after a verb a negation may still stand (German `nicht`, Japanese `ない`). */
  negAfter?: number;
  terms: { readonly [C in Concept]?: readonly string[] };
}

export interface WordPart {
  text: string;
  how: "exact" | "prefix" | "infix" | "suffix";
}
export interface WordEntry {
  lang: string;
  concept: Concept;
  parts: WordPart[];
}
export interface CharEntry {
  lang: string;
  concept: Concept;
  term: string;
}

/** Every lexicon compiled once into indexes; request code only sees this form. */
export interface CompiledLexicons {
  byLang: ReadonlyMap<string, Lexicon>;
  exact: ReadonlyMap<string, WordEntry[]>;
  prefix: ReadonlyMap<string, WordEntry[]>;
  infix: readonly WordEntry[];
  /** `*end` terms, keyed by their last three characters (every suffix has at least three). */
  suffix: ReadonlyMap<string, WordEntry[]>;
  /** The distinct lengths of stems, so a word is only sliced where a stem can start. */
  prefixLengths: readonly number[];
  chars: ReadonlyMap<string, CharEntry[]>;
}

/** Folds a lexicon term exactly as the text is folded (NFKC, then `fold`), so both sides agree. */
export function foldTerm(term: string): string {
  return fold(nfkc(term));
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function wordPart(word: string): WordPart {
  if (word.length > 2 && word.startsWith("*") && word.endsWith("*")) {
    return { text: word.slice(1, -1), how: "infix" };
  }
  // "*mann": the end of a compound (Polizeimann, Wachmann), never the whole word.
  if (word.length > 3 && word.startsWith("*")) return { text: word.slice(1), how: "suffix" };
  if (word.length > 1 && word.endsWith("*")) return { text: word.slice(0, -1), how: "prefix" };
  return { text: word, how: "exact" };
}

/** Splits a folded term into word parts the way the tokenizer splits text (apostrophes too). */
function splitTerm(term: string): string[] {
  return term.match(/[\p{L}\p{N}\p{M}*]+/gu) ?? [];
}

/**
 * A term as the matcher sees it: folded, then split into words (`words` mode) or stripped of its
 * spaces (`chars` mode). Two terms with the same key are the same term, however they are spelled
 * (`señor*` and `senor*`, `같은 사람` and `같은사람`); the lexicon files are checked with it.
 */
export function termKey(mode: Lexicon["mode"], term: string): string {
  const folded = foldTerm(term);
  return mode === "chars" ? folded.replace(/\s+/g, "") : splitTerm(folded).join(" ");
}

/** Compiles lexicons into the indexes the gate and the matcher read; once per process. */
export function compileLexicons(lexicons: readonly Lexicon[]): CompiledLexicons {
  const byLang = new Map<string, Lexicon>();
  const exact = new Map<string, WordEntry[]>();
  const prefix = new Map<string, WordEntry[]>();
  const infix: WordEntry[] = [];
  const suffix = new Map<string, WordEntry[]>();
  const chars = new Map<string, CharEntry[]>();
  const lengths = new Set<number>();
  for (const lex of lexicons) {
    if (byLang.has(lex.lang)) throw new Error(`duplicate lexicon: \`${lex.lang}\``);
    byLang.set(lex.lang, lex);
    for (const concept of CONCEPTS) {
      for (const raw of lex.terms[concept] ?? []) {
        const folded = foldTerm(raw);
        if (lex.mode === "chars") {
          const term = folded.replace(/\s+/g, "");
          const first = term[0];
          if (first === undefined) throw new Error(`empty term in lexicon \`${lex.lang}\``);
          push(chars, first, { lang: lex.lang, concept, term });
          continue;
        }
        const parts = splitTerm(folded).map(wordPart);
        const head = parts[0];
        if (head === undefined)
          throw new Error(`empty term in lexicon \`${lex.lang}\`: \`${raw}\``);
        const entry: WordEntry = { lang: lex.lang, concept, parts };
        if (head.how === "exact") push(exact, head.text, entry);
        else if (head.how === "prefix") {
          push(prefix, head.text, entry);
          lengths.add(head.text.length);
        } else if (head.how === "suffix") push(suffix, head.text.slice(-3), entry);
        else infix.push(entry);
      }
    }
  }
  return {
    byLang,
    exact,
    prefix,
    infix,
    suffix,
    prefixLengths: [...lengths].sort((a, b) => a - b),
    chars,
  };
}
