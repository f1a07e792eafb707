/**
 * Whether a Latin-script text is a South Asian language written in Latin letters (Hindi, Urdu,
 * Bengali, Tamil, Sinhala, Nepali...: "ye banda kaun hai", "me photo eke inna kena kawda"). The
 * model's scores run lower on such text, asks and harmless texts alike, as they do in the scripts
 * that have thresholds of their own (script-group.ts): fresh hold-outs in romanised Sinhala,
 * Tamil, Nepali, Bengali and Urdu found 0.925-0.963 of their asks at `possible` while their
 * false alarms stayed at 0.6-3.7%, under the other Latin sets'. Read as a script group of its own,
 * such a text gets the thresholds cross-validation sets on its own negatives.
 *
 * The words that mark it come with the model (`models/purpose/south-asian-latin.txt`, chosen at
 * training from the training texts' language tags: scripts/classifier/south-asian-words.ts). A
 * text is in the group when at least {@link MIN_DISTINCT} different marker words make up at least
 * {@link MIN_SHARE} of its words: an English prompt that quotes one Hindi word stays Latin. Pure,
 * apart from reading that file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The marker words' file in a model's directory: one lower-case word per line. */
export const SOUTH_ASIAN_LATIN_FILE = "south-asian-latin.txt";

/** Different marker words a text needs. */
export const MIN_DISTINCT = 2;
/** The share of a text's words that must be marker words. */
export const MIN_SHARE = 0.15;

/** A Latin letter (ASCII, Latin-1, Extended-A/B) or a combining mark, by char code. */
function isLetterCode(c: number): boolean {
  const l = c | 0x20;
  if (l >= 97 && l <= 122) return true;
  return c >= 0xc0 && c <= 0x36f && c !== 0xd7 && c !== 0xf7 && (c <= 0x24f || c >= 0x300);
}

/** FNV-1a over a lower-case ASCII word's char codes, as a positive 31-bit key (never 0). */
export function wordKey(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ (word.charCodeAt(i) | 0x20), 0x01000193);
  return (h >>> 1) | 1;
}

/**
 * Marker words as the detector looks them up: their {@link wordKey}s in an open-addressing table
 * of small integers (a `Set` of numbers cost twice as much per word). Only words of ASCII letters
 * are markers (romanised South Asian text is typed without diacritics).
 */
export class MarkerTable {
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly size: number;

  constructor(words: Iterable<string>) {
    const keys = new Set<number>();
    for (const w of words) if (/^[a-z]+$/.test(w)) keys.add(wordKey(w));
    let capacity = 16;
    while (capacity < keys.size * 4) capacity *= 2;
    this.#slots = new Int32Array(capacity);
    this.#mask = capacity - 1;
    this.size = keys.size;
    for (const key of keys) {
      let at = key & this.#mask;
      while (this.#slots[at] !== 0) at = (at + 1) & this.#mask;
      this.#slots[at] = key;
    }
  }

  /** Whether `key` is a marker's. */
  has(key: number): boolean {
    const slots = this.#slots;
    let at = key & this.#mask;
    for (let k = slots[at]!; k !== 0; k = slots[at]!) {
      if (k === key) return true;
      at = (at + 1) & this.#mask;
    }
    return false;
  }
}

/** No marker words: no text is read as romanised South Asian (models trained before them). */
export const NO_MARKERS = new MarkerTable([]);

/**
 * Whether `text` (any case) is written in a South Asian language in Latin letters, by the
 * model's {@link MarkerTable}. One pass over the char codes that allocates nothing:
 * a word is a run of Latin letters, hashed as it is read (a word with a letter beyond ASCII is
 * counted, never a marker). A hash that two words share could count a non-marker as a marker: with
 * some 1,600 markers, one word in 2.7 million.
 */
export function isSouthAsianLatin(text: string, keys: MarkerTable): boolean {
  if (keys.size === 0) return false;
  let total = 0;
  let hits = 0;
  let first = -1;
  let distinct = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (!isLetterCode(c)) {
      i++;
      continue;
    }
    let h = 0x811c9dc5;
    let ascii = true;
    do {
      if (c < 0x80) h = Math.imul(h ^ (c | 0x20), 0x01000193);
      else ascii = false;
      c = ++i < n ? text.charCodeAt(i) : 0;
    } while (i < n && isLetterCode(c));
    total++;
    const key = (h >>> 1) | 1;
    if (!ascii || !keys.has(key)) continue;
    hits++;
    if (distinct === 0) {
      first = key;
      distinct = 1;
    } else if (distinct === 1 && key !== first) distinct = 2;
  }
  return distinct >= MIN_DISTINCT && hits >= MIN_SHARE * total;
}

/** The marker table of the model in `dir`, or {@link NO_MARKERS} when it has no such file. */
export function readSouthAsianWords(dir: string): MarkerTable {
  const file = join(dir, SOUTH_ASIAN_LATIN_FILE);
  if (!existsSync(file)) return NO_MARKERS;
  return new MarkerTable(
    readFileSync(file, "utf8")
      .split("\n")
      .map((line) => line.trim()),
  );
}
