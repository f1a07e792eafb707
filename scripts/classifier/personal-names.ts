/**
 * The personal names the purpose model marks (src/.../model/personal-names.ts), chosen at
 * training from a maintained multilingual names dataset, `@faker-js/faker`'s first and last names
 * of its 70-odd locales (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Hangul and more),
 * and the training texts themselves, which say which of those names are also everyday words.
 *
 * A name list holds "will", "guy", "rose", "mark", "an", "de" and, in some locales, "the": marking
 * those everywhere would teach the model nothing. So a name is kept only when, in the texts the
 * model trains on, the word is written with a capital letter at least as often as without one
 * (away from the start of a sentence, and outside German, which capitalises every noun), or never
 * written at all; in scripts without case (Arabic,
 * Hebrew, Hangul...) only when rare (in at most {@link RARE_IN_CASELESS} texts). Words of one or
 * two letters and scripts the model reads one character at a time (Chinese, Japanese, Thai) are
 * left out. The list is derived again at every training and shipped with the model.
 */
import { allLocales } from "@faker-js/faker";
import { modelWords } from "../../src/pipeline/classify-request/purposes/model/model-text.js";
import type { Example } from "./examples.js";

/** Texts a caseless word may appear in and still count as a name. */
export const RARE_IN_CASELESS = 50;

/** The dataset's version, recorded on the model card. */
export const NAMES_SOURCE = "@faker-js/faker person.first_name and person.last_name, all locales";

const flat = (x: unknown): string[] => {
  if (x === undefined || x === null) return [];
  if (Array.isArray(x)) return x.filter((v): v is string => typeof v === "string");
  if (typeof x === "object") return Object.values(x).flatMap(flat);
  return [];
};

/** Every single-word first or last name of the dataset, as model tokens. */
export function datasetNames(): Set<string> {
  const out = new Set<string>();
  for (const locale of Object.values(allLocales)) {
    const person = (locale as { person?: Record<string, unknown> }).person;
    if (person === undefined) continue;
    for (const name of [...flat(person["first_name"]), ...flat(person["last_name"])]) {
      for (const w of modelWords(name)) if (nameLike(w)) out.add(w);
    }
  }
  return out;
}

/** Three letters or more, all letters, in a script the model reads as words. */
function nameLike(w: string): boolean {
  if (!/^[\p{L}\p{M}]+$/u.test(w)) return false;
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u.test(w))
    return false;
  return caseless(w) ? w.length >= 2 : w.length >= 3;
}

const caseless = (w: string) => !/[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u.test(w);

/** A word as the model's token: lower case, accents dropped from Latin letters (model-text.ts). */
function tokenOf(word: string): string {
  const lower = word.toLowerCase();
  return /^[\x00-\x7f]*$/.test(lower)
    ? lower
    : lower
        .normalize("NFD")
        .replace(/(\p{Script=Latin})\p{M}+/gu, "$1")
        .normalize("NFC");
}

interface Usage {
  capital: number;
  lower: number;
  texts: number;
}

const WORD = /[\p{L}\p{M}]+/gu;
/** What ends a sentence (a capital after it says nothing about the word). */
const SENTENCE_END = /[.!?:;…。！？¡¿\n"«»“”([{-]/u;
/** Languages that write every noun with a capital: there a capital counts against a name. */
const NOUNS_CAPITALISED = new Set(["de", "lb"]);

/** How each dataset name is written in `examples`. */
function usageIn(examples: readonly Example[], names: ReadonlySet<string>): Map<string, Usage> {
  const usage = new Map<string, Usage>();
  for (const e of examples) {
    const inText = new Set<string>();
    for (const m of e.text.matchAll(WORD)) {
      const token = tokenOf(m[0]);
      if (!names.has(token)) continue;
      let u = usage.get(token);
      if (u === undefined) {
        u = { capital: 0, lower: 0, texts: 0 };
        usage.set(token, u);
      }
      if (!inText.has(token)) {
        inText.add(token);
        u.texts++;
      }
      const first = m[0][0]!;
      if (first === first.toLowerCase() && first === first.toUpperCase()) continue;
      if (startsSentence(e.text, m.index)) continue;
      if (m[0] === m[0].toUpperCase() && m[0].length > 1) continue;
      if (first === first.toUpperCase() && !NOUNS_CAPITALISED.has(e.lang)) u.capital++;
      else u.lower++;
    }
  }
  return usage;
}

function startsSentence(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text[i]!;
    if (c === "\n") return true;
    if (c === " " || c === "\t" || c === "'" || c === "*") continue;
    return SENTENCE_END.test(c);
  }
  return true;
}

/** The names to mark for a model trained on `examples` (see the file's comment). */
export function personalNames(examples: readonly Example[]): Set<string> {
  const names = datasetNames();
  const usage = usageIn(examples, names);
  const out = new Set<string>();
  for (const name of names) {
    const u = usage.get(name);
    if (u === undefined) {
      out.add(name);
      continue;
    }
    if (caseless(name) ? u.texts <= RARE_IN_CASELESS : u.capital >= u.lower) out.add(name);
  }
  return out;
}
