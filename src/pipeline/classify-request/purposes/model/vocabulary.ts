/**
 * The purpose model's vocabulary, packed into three typed arrays instead of a `Map` of strings.
 *
 * Why: the shipped model has some 224,000 words. As a `Map` of strings sliced from the file, they
 * were about 12 MB of the JavaScript heap that never changes but that every mark-compact of the
 * old generation traces again (docs/performance.md, issue 14 round seven: 83 MB of static heap
 * traced by each of 2-4 mark-compacts per 1,000 image calls). Here the words are their UTF-8 bytes
 * in one buffer (as the model file stores them), their offsets, and an open-addressing table keyed
 * by fastText's word hash: three objects for the collector, whatever the vocabulary's size.
 */

/** The byte that separates words in the packed form (fastText words never hold white space). */
const SEPARATOR = 0x0a;

/** FNV-1a over bytes, each sign-extended as fastText's `int8_t` cast does (`Dictionary::hash`). */
export function fastTextHash(bytes: Uint8Array, from: number, to: number): number {
  let h = 2166136261;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    h = (h ^ (b >= 128 ? b | 0xffffff00 : b)) >>> 0;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

/** A model's words in row order, looked up by their UTF-8 bytes. */
export class Vocabulary {
  /** How many words: word `i` is the model's input row `i`. */
  readonly size: number;
  /** The words' UTF-8 bytes, separated by `\n`. */
  readonly #bytes: Uint8Array;
  /** Where word `i` starts in `#bytes`; entry `size` is one past the end of the last word + 1. */
  readonly #starts: Uint32Array;
  /** Open addressing by word hash: a word's id + 1, 0 where the slot is empty. */
  readonly #slots: Int32Array;
  readonly #mask: number;

  /** A vocabulary of `words` (training, tests). */
  static fromWords(words: readonly string[]): Vocabulary {
    for (const w of words) {
      if (w === "" || w.includes("\n"))
        throw new Error("vocabulary words are non-empty single lines");
    }
    return new Vocabulary(Buffer.from(words.join("\n"), "utf8"), words.length);
  }

  /**
   * A vocabulary over `packed` (the words' UTF-8 bytes separated by `\n`, as the model file holds
   * them), which must hold exactly `count` words; the bytes are used as they are, not copied.
   */
  constructor(packed: Uint8Array, count: number) {
    this.#bytes = packed;
    this.size = count;
    const starts = new Uint32Array(count + 1);
    let separators = 0;
    for (let i = 0; i < packed.length; i++) {
      if (packed[i] !== SEPARATOR) continue;
      separators++;
      if (separators < count) starts[separators] = i + 1;
    }
    const found = packed.length === 0 ? 0 : separators + 1;
    if (found !== count) throw new Error(`vocabulary: expected ${count} words, found ${found}`);
    starts[count] = packed.length + 1;
    this.#starts = starts;
    let capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    this.#slots = new Int32Array(capacity);
    this.#mask = capacity - 1;
    for (let id = 0; id < count; id++) {
      const from = starts[id]!;
      const to = starts[id + 1]! - 1;
      // The first of two equal words keeps the slot (fastText's vocabularies have none).
      let slot = fastTextHash(packed, from, to) & this.#mask;
      for (;;) {
        const held = this.#slots[slot]!;
        if (held === 0) {
          this.#slots[slot] = id + 1;
          break;
        }
        if (this.#equals(held - 1, packed, from, to)) break;
        slot = (slot + 1) & this.#mask;
      }
    }
  }

  /** The row of the word whose UTF-8 bytes are `word` (its {@link fastTextHash} `hash`); -1 if none. */
  idOf(word: Uint8Array, hash: number = fastTextHash(word, 0, word.length)): number {
    let slot = hash & this.#mask;
    for (;;) {
      const held = this.#slots[slot]!;
      if (held === 0) return -1;
      if (this.#equals(held - 1, word, 0, word.length)) return held - 1;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** {@link idOf} for a string. */
  idOfWord(word: string): number {
    return this.idOf(Buffer.from(word, "utf8"));
  }

  /** Word `id` as a string (writing and averaging models, never on the request path). */
  wordAt(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) throw new RangeError(`no word ${id}`);
    const from = this.#starts[id]!;
    const to = this.#starts[id + 1]! - 1;
    return Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset + from, to - from).toString(
      "utf8",
    );
  }

  /** The packed form: the words' UTF-8 bytes separated by `\n`. */
  packed(): Uint8Array {
    return this.#bytes;
  }

  #equals(id: number, other: Uint8Array, from: number, to: number): boolean {
    const start = this.#starts[id]!;
    const length = this.#starts[id + 1]! - 1 - start;
    if (length !== to - from) return false;
    const bytes = this.#bytes;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== other[from + i]) return false;
    return true;
  }
}
