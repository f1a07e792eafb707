/**
 * Character classes for the one-pass scanners (the rules' tokenizer, the model's tokens): a
 * Unicode property test per character is slow, so ASCII comes from a table and other characters
 * from a bounded cache of the test's answers.
 */

/** Entries the cache of non-ASCII characters keeps before it stops growing. */
const CACHE_SIZE = 65536;

/** A classifier of code points by `kindOf` (which sees the character as a string). */
export function charKinds<K>(kindOf: (ch: string) => K): (cp: number) => K {
  const ascii = Array.from({ length: 128 }, (_, c) => kindOf(String.fromCharCode(c)));
  const other = new Map<number, K>();
  return (cp) => {
    if (cp < 128) return ascii[cp]!;
    let kind = other.get(cp);
    if (kind === undefined) {
      kind = kindOf(String.fromCodePoint(cp));
      if (other.size < CACHE_SIZE) other.set(cp, kind);
    }
    return kind;
  };
}
