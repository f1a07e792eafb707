/**
 * The words that mark a South Asian language written in Latin letters
 * (src/.../model/south-asian-latin.ts), chosen at training from the training texts' language
 * tags: a word is kept when at least {@link MIN_TEXTS} romanised South Asian texts use it and, with
 * both sides weighed as if they were the same size, at least {@link MIN_PRECISION} of the texts
 * that use it are romanised South Asian rather than other Latin-script text ("hai", "kawda",
 * "yaaru", "chobi", "manche"; not "photo", "face" or "bhai"'s English neighbours). Derived again at
 * every training from that training's examples, so a cross-validation fold never learns its
 * held-out authors' words, and shipped with the model.
 */
import { scriptGroup } from "../../src/pipeline/classify-request/purposes/script-group.js";
import type { Example } from "./examples.js";

/** The language tags of South Asian languages written in Latin letters. */
export const SOUTH_ASIAN_LATIN_TAGS: ReadonlySet<string> = new Set([
  "hi-Latn",
  "ur-Latn",
  "bn-Latn",
  "ta-Latn",
  "si-Latn",
  "ne-Latn",
  "mr-Latn",
  "te-Latn",
  "kn-Latn",
  "ml-Latn",
  "gu-Latn",
  "pa-Latn",
]);

/** Romanised South Asian texts a word must appear in. */
export const MIN_TEXTS = 20;
/** Its share of the texts using it, both sides weighed as equal in size. */
export const MIN_PRECISION = 0.95;

/** A run of Latin letters and combining marks after lower-casing, as south-asian-latin.ts reads words. */
const WORD = /(?:[a-z\u00df-\u00f6\u00f8-\u024f]|[\u0300-\u036f])+/g;

/** The distinct lower-case words of a text. */
function wordsOf(text: string): Set<string> {
  return new Set(text.toLowerCase().match(WORD) ?? []);
}

/** The marker words for a model trained on `examples` (see the file's comment). */
export function southAsianWords(examples: readonly Example[]): Set<string> {
  const inGroup = new Map<string, number>();
  const outside = new Map<string, number>();
  let nGroup = 0;
  let nOutside = 0;
  for (const e of examples) {
    const group = SOUTH_ASIAN_LATIN_TAGS.has(e.lang);
    if (!group && scriptGroup(e.text) !== "latin") continue;
    const counts = group ? inGroup : outside;
    if (group) nGroup++;
    else nOutside++;
    for (const w of wordsOf(e.text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const out = new Set<string>();
  if (nGroup === 0 || nOutside === 0) return out;
  for (const [w, k] of inGroup) {
    // Only ASCII words are markers (south-asian-latin.ts `markerKeys`).
    if (k < MIN_TEXTS || w.length < 2 || !/^[a-z]+$/.test(w)) continue;
    const rateIn = k / nGroup;
    const rateOut = (outside.get(w) ?? 0) / nOutside;
    if (rateIn / (rateIn + rateOut) >= MIN_PRECISION) out.add(w);
  }
  return out;
}
