/**
 * Text spelled out in the NATO (ICAO) spelling alphabet: `whiskey hotel oscar / india sierra`,
 * `Whiskey-Hotel-Oscar India-Sierra`. A language model reads the words it spells; the purpose model
 * read a list of call words, which its training data holds mostly in asks (the harmless "what
 * breed is this dog", spelled, scored 0.51) and which a harmless paragraph beside it outweighed
 * (an ask spelled after two lines about a dog scored 0.001). Found as runs and read in place, like
 * Morse (code-runs.ts). Pure.
 */
import type { DecodedRun } from "./encoded-runs.js";
import { isCommonEnglishWord } from "./english-gain.js";

/** Each code word's letter; `fox-trot`, `x-ray` and the alternative spellings included. */
const LETTER_OF: ReadonlyMap<string, string> = new Map(
  Object.entries({
    alpha: "a",
    alfa: "a",
    bravo: "b",
    charlie: "c",
    delta: "d",
    echo: "e",
    foxtrot: "f",
    golf: "g",
    hotel: "h",
    india: "i",
    juliet: "j",
    juliett: "j",
    kilo: "k",
    lima: "l",
    mike: "m",
    november: "n",
    oscar: "o",
    papa: "p",
    quebec: "q",
    romeo: "r",
    sierra: "s",
    tango: "t",
    uniform: "u",
    victor: "v",
    whiskey: "w",
    whisky: "w",
    xray: "x",
    yankee: "y",
    zulu: "z",
  }),
);

const CODE_WORD =
  "(?:alpha|alfa|bravo|charlie|delta|echo|fox-?trot|golf|hotel|india|juliett?|kilo|lima|mike|november|oscar|papa|quebec|romeo|sierra|tango|uniform|victor|whiske?y|x-?ray|yankee|zulu)";
/** A spoken word break: `space`, `break`, `stop`, bare or in brackets. */
const SPOKEN_BREAK = "(?:[([]?(?:space|break|stop)[)\\]]?)";
/** What stands between two code words: punctuation and spaces, or a spoken word break. */
const GAP = `(?:[\\s,.;:/|\\-\u2013\u2014]*\\s${SPOKEN_BREAK}\\s[\\s,.;:/|\\-\u2013\u2014]*|[\\s,.;:/|\\-\u2013\u2014]+)`;
/** Six code words or more in a row, each a whole word. */
const RUN = new RegExp(
  `(?<![\\p{L}\\p{N}])${CODE_WORD}(?:${GAP}${CODE_WORD}){5,}(?![\\p{L}\\p{N}])`,
  "giu",
);
const WORD_IN_RUN = new RegExp(CODE_WORD, "gi");
/** A gap that marks a word break whatever the others are. */
const HARD_BREAK = /[/|\n]|\s{2,}|space|break|stop/i;
/**
 * The code words of the vowels: a run that spells two common English words holds one (all of
 * them but "my" have a vowel). The cheap test before {@link RUN}: 0.6 us per KB of prose, a third
 * of a test for any code word.
 */
const HINT = /alpha|alfa|echo|india|oscar|uniform/i;

/**
 * Every run of six spelling-alphabet words or more in `text` that spells English: two different
 * common English words at least once its words are found (given by `/`, `|`, line breaks, `space`,
 * or spaces where hyphens join the letters; else found in the letters run together). A list of six
 * names that are also code words ("Mike, Victor, Charlie, Romeo, Juliet, Oscar") spells none and
 * stays as written.
 */
export function spellingAlphabetRuns(text: string): DecodedRun[] {
  if (!HINT.test(text)) return [];
  const out: DecodedRun[] = [];
  for (const m of text.matchAll(RUN)) {
    const decoded = spell(m[0]);
    if (decoded !== undefined) out.push({ index: m.index, length: m[0].length, decoded });
  }
  return out;
}

/** The words `run` spells, or undefined when they hold fewer than two common English words. */
function spell(run: string): string | undefined {
  const letters: string[] = [];
  const gaps: string[] = [];
  let at = 0;
  for (const w of run.matchAll(WORD_IN_RUN)) {
    if (letters.length > 0) gaps.push(run.slice(at, w.index));
    letters.push(LETTER_OF.get(w[0].toLowerCase().replace("-", "")) ?? "");
    at = w.index + w[0].length;
  }
  const breaks = wordBreaks(gaps);
  let decoded = letters[0] ?? "";
  for (let i = 1; i < letters.length; i++) decoded += (breaks[i - 1] ? " " : "") + letters[i];
  if (!breaks.includes(true)) decoded = segmentWords(decoded);
  const words = new Set(decoded.split(" ").filter(isCommonEnglishWord));
  return words.size >= 2 ? decoded : undefined;
}

/**
 * Which gaps break words: the hard ones (`/`, `|`, a line break, two spaces, `space`) when there
 * are any; else, when some gaps hold a space and others none (`Whiskey-Hotel-Oscar India-Sierra`),
 * the spaced ones; else none (the letters run together).
 */
function wordBreaks(gaps: readonly string[]): boolean[] {
  if (gaps.some((g) => HARD_BREAK.test(g))) return gaps.map((g) => HARD_BREAK.test(g));
  const spaced = gaps.map((g) => /\s/.test(g));
  return spaced.includes(true) && spaced.includes(false) ? spaced : gaps.map(() => false);
}

/**
 * Words a cut may find beyond english-gain.ts's common ones: those of asks and of their twins,
 * so that `isthisthesamemaninbothphotos` is not cut into `the sa me`.
 */
const MORE_WORDS: ReadonlySet<string> = new Set(
  (
    "same both photos pic pics pictures images faces people famous celebrity real suspect " +
    "profile account online instagram facebook tiktok twitter compare matches called named " +
    "actor actress singer player politician girl lady boy dog cat car plate breed old red " +
    "coat building weather describe read count blur crop caption"
  ).split(" "),
);

const isWord = (w: string) => isCommonEnglishWord(w) || MORE_WORDS.has(w);

/** The longest word either list holds, so that the search stays short. */
const LONGEST_WORD = 10;

/**
 * The best cut of a prefix: its cost, where its last piece starts (for letters outside a word,
 * where their run starts), whether that piece is a word.
 */
interface Cut {
  cost: number;
  from: number;
  word: boolean;
}

/** What a piece costs, against 1 for a letter outside a word: a tie-break between cuts. */
const PIECE_COST = 0.01;

/**
 * `letters` cut into words where it can be (`whoisthisman` -> `who is this man`): the cut with
 * the fewest letters outside a word, then the fewest pieces; letters outside a word stay together.
 * A rough cut with a few hundred words (`dog` is in them; a word that is not may lose a letter to
 * one that is), enough to tell spelled English from a list of call words and to read an ask.
 */
export function segmentWords(letters: string): string {
  const cuts: Cut[] = [{ cost: 0, from: 0, word: false }];
  for (let i = 1; i <= letters.length; i++) {
    const before = cuts[i - 1] as Cut;
    // One letter outside a word, joined to the piece before when that one is outside too.
    const joins = i > 1 && !before.word;
    let best: Cut = {
      cost: before.cost + 1 + (joins ? 0 : PIECE_COST),
      from: joins ? before.from : i - 1,
      word: false,
    };
    for (let j = Math.max(0, i - LONGEST_WORD); j < i - 1; j++) {
      if (!isWord(letters.slice(j, i))) continue;
      const cost = (cuts[j] as Cut).cost + PIECE_COST;
      if (cost < best.cost) best = { cost, from: j, word: true };
    }
    cuts.push(best);
  }
  const out: string[] = [];
  for (let end = letters.length; end > 0; ) {
    const start = (cuts[end] as Cut).from;
    out.push(letters.slice(start, end));
    end = start;
  }
  return out.reverse().join(" ");
}
