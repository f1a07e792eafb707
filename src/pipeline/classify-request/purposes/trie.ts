/**
 * A character trie of the lexicons' first words, for lookups without slicing a word at every
 * stem length. ASCII letters and digits move through a flat transition table (27 columns per
 * node: a-z, then any digit), other characters through a small map per node; each node lists
 * the entries whose first word ends there (exact) or starts with the path so far (stems).
 * Digits share a column, so an exact candidate must still be compared with its word.
 */
import type { CompiledLexicons, Concept, WordEntry } from "./lexicon.js";

export interface Trie {
  trans: Int32Array;
  other: (Map<number, number> | undefined)[];
  exact: (WordEntry[] | undefined)[];
  prefix: (WordEntry[] | undefined)[];
}

const COLS = 27;

/** The column of an ASCII letter (either case) or digit, or -1. */
function column(c: number): number {
  if (c >= 97 && c <= 122) return c - 97;
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 48 && c <= 57) return 26;
  return -1;
}

/** The trie of every exact and stem entry whose concept `keep` accepts (infixes are left out). */
export function buildTrie(lex: CompiledLexicons, keep: (c: Concept) => boolean): Trie {
  const trans: number[] = new Array<number>(COLS).fill(0);
  const t: Trie = {
    trans: new Int32Array(0),
    other: [undefined],
    exact: [undefined],
    prefix: [undefined],
  };
  const newNode = (): number => {
    const id = t.exact.length;
    for (let k = 0; k < COLS; k++) trans.push(0);
    t.other.push(undefined);
    t.exact.push(undefined);
    t.prefix.push(undefined);
    return id;
  };
  const step = (n: number, c: number): number => {
    const col = column(c);
    if (col === -1) {
      let map = t.other[n];
      if (map === undefined) {
        map = new Map();
        t.other[n] = map;
      }
      let m = map.get(c);
      if (m === undefined) {
        m = newNode();
        map.set(c, m);
      }
      return m;
    }
    let m = trans[n * COLS + col]!;
    if (m === 0) {
      m = newNode();
      trans[n * COLS + col] = m;
    }
    return m;
  };
  const add = (e: WordEntry): void => {
    const head = e.parts[0]!;
    if (!keep(e.concept) || head.how === "infix" || head.how === "suffix") return;
    let n = 0;
    for (let i = 0; i < head.text.length; i++) n = step(n, head.text.charCodeAt(i));
    const lists = head.how === "exact" ? t.exact : t.prefix;
    const list = lists[n];
    if (list === undefined) lists[n] = [e];
    else list.push(e);
  };
  for (const list of lex.exact.values()) for (const e of list) add(e);
  for (const list of lex.prefix.values()) for (const e of list) add(e);
  t.trans = Int32Array.from(trans);
  return t;
}

/** The next node from `n` on character code `c`, or 0 when there is none. */
export function trieStep(t: Trie, n: number, c: number): number {
  const col = column(c);
  return col === -1 ? (t.other[n]?.get(c) ?? 0) : t.trans[n * COLS + col]!;
}

/**
 * Calls `visit` with every entry whose first word matches w[i, j): stems along the path, then
 * the exact words at its end (already compared with the word).
 */
export function trieLookup(
  t: Trie,
  w: string,
  i: number,
  j: number,
  visit: (list: readonly WordEntry[]) => void,
): void {
  let n = 0;
  for (let k = i; k < j; k++) {
    n = trieStep(t, n, w.charCodeAt(k));
    if (n === 0) return;
    const p = t.prefix[n];
    if (p !== undefined) visit(p);
  }
  const x = t.exact[n];
  if (x === undefined) return;
  const len = j - i;
  for (const e of x) {
    const head = e.parts[0]!.text;
    if (head.length !== len) continue;
    let same = true;
    for (let k = 0; k < len && same; k++) {
      const c = w.charCodeAt(i + k);
      same = (c >= 65 && c <= 90 ? c + 32 : c) === head.charCodeAt(k);
    }
    if (same) {
      visit(x);
      return;
    }
  }
}
