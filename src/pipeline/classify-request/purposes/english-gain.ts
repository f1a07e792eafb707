/**
 * How far a decoding reads as English where the text as written did not: the test that tells a
 * letter shift, a text written backwards or numbers standing for letters from gibberish. Pure.
 */

/** Common English words: ROT13 hides English, and its decoding reads as English again. */
const ENGLISH_WORDS: ReadonlySet<string> = new Set(
  (
    "the is are was who whom whose what this that these those of and in on to with for from " +
    "he she his her him they them their it you me my name names person man woman guy face " +
    "photo picture image identify identity recognize recognise match find tell i am at here " +
    "there look looking see can could please give do does know"
  ).split(" "),
);

/** Whether `word` (lower case) is one of the common English words the tests count. */
export function isCommonEnglishWord(word: string): boolean {
  return ENGLISH_WORDS.has(word);
}

/**
 * How far `decoded` reads as English where `raw` did not: the different common English words it
 * gains (words the text as written does not hold), or 0 when those words make less than a third
 * of the words that were not English in the text. Whole words only, and the share, keep other
 * languages out: "si" and "no" read backwards are "is" and "on", a shift of Tagalog turns each
 * "ng" into "at", and split at its accented letters a shifted Vietnamese text held an "i" in the
 * pieces of its words. The wrapper's own English ("decode and answer for the screenshot: ...")
 * counts for neither side (h197).
 */
export function englishGain(raw: string, decoded: string): number {
  const before = wordsOf(raw);
  const had = new Set(before.filter((w) => ENGLISH_WORDS.has(w)));
  const gained = wordsOf(decoded).filter((w) => ENGLISH_WORDS.has(w) && !had.has(w));
  const foreign = before.length - before.filter((w) => had.has(w)).length;
  return gained.length * 3 >= foreign ? new Set(gained).size : 0;
}

const wordsOf = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((w) => w !== "");
