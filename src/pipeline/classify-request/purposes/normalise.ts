/**
 * Text normalisers for the purpose classifier. Each one undoes one obfuscation so that the rules
 * see the words a person would read. They are pure string functions; `variants` chains them into
 * a ladder so a rule match can report only the normalisations it actually needed.
 */

import unhomoglyph from "unhomoglyph";
import { isCommonEnglishWord } from "./english-gain.js";

/** Names recorded in `Evidence.normalised`, in ladder order. */
export type Normalisation =
  | "nfkc"
  | "zero-width"
  | "confusables"
  | "spacing"
  | "junk"
  | "leetspeak"
  | "base64";

/**
 * Zero-width and other invisible format characters: U+200B-U+200F, U+2060-U+206F, U+FEFF, soft
 * hyphen, Mongolian vowel separator, bidi controls, tag characters and variation selectors.
 */
const INVISIBLE = /\p{Cf}|\u00AD|\u034F|\u115F|\u1160|\u180E|\u3164|\p{Variation_Selector}/gu;
const HAS_INVISIBLE = /\p{Cf}|\u00AD|\u034F|\u115F|\u1160|\u180E|\u3164|\p{Variation_Selector}/u;

/** Combining marks dropped by the diacritic-free copy: Latin/Greek/Cyrillic accents, Arabic harakat. */
const DIACRITICS =
  /[\u0300-\u036F\u0483-\u0489\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;

/**
 * Characters folded to a plain form the Unicode confusables data does not give: `ß` and the long
 * `ſ` (which it reads as "f"), and typographic apostrophes.
 */
const FOLD_LETTERS: Readonly<Record<string, string>> = {
  ß: "ss",
  ſ: "s",
  "\u2019": "'",
  "\u2018": "'",
  "\u02BC": "'",
  "\u00B4": "'",
  "\u0060": "'",
};
/**
 * What {@link foldLetters} rewrites: those, and the blocks that hold the Latin letters outside
 * ASCII (Latin-1 to IPA, phonetic extensions, Latin Extended Additional, C, D and E), as ranges: a
 * `\p{Script=Latin}` test per character cost 10-25 us per KB of Cyrillic or German text, the
 * ranges 3-5. A symbol inside them (`×`, `÷`) is left as it is.
 */
const FOLD_LETTERS_RE =
  /[ßſ\u2019\u2018\u02BC\u00B4\u0060\u00C0-\u02AF\u1D00-\u1DBF\u1E00-\u1EFF\u2C60-\u2C7F\uA720-\uA7FF\uAB30-\uAB6F]/g;
/** A letter of the Latin script. */
const LATIN_LETTER = /^\p{Script=Latin}$/u;

/**
 * Characters looked up so far: a Latin letter → its ASCII form, or the character itself when it
 * has none (a symbol such as `×` too, so it is tested once).
 */
const LATIN_FOLDS = new Map<string, string>();

/**
 * The ASCII letters a Latin letter that NFD leaves whole stands for (`ı` i, `ł` l, `ø` o, `ħ` h,
 * `æ` ae, IPA `ɑ` a and `ɡ` g), from the Unicode confusables data (UTS #39, `unhomoglyph`) with
 * its overlays (a stroke, a bar) dropped; the letter itself when that is not one or two ASCII
 * letters (`ŋ`, `ə`, `ɛ`: letters of languages, not look-alikes).
 */
function latinFold(ch: string): string {
  let folded = LATIN_FOLDS.get(ch);
  if (folded === undefined) {
    const skeleton = LATIN_LETTER.test(ch)
      ? unhomoglyph(ch).normalize("NFD").replace(/\p{M}/gu, "")
      : "";
    folded = /^[a-z]{1,2}$/i.test(skeleton) ? skeleton.toLowerCase() : ch;
    if (ch !== ch.toLowerCase()) folded = folded.toUpperCase();
    if (LATIN_FOLDS.size < 4096) LATIN_FOLDS.set(ch, folded);
  }
  return folded;
}

/** Printable ASCII only: nothing for NFKC, diacritics, invisibles or homoglyphs to do. */
const ASCII = /^[\x20-\x7E\t\n\r]*$/;

/** Unicode NFKC: full-width letters, ligatures, mathematical alphanumerics, odd spaces. */
export function nfkc(text: string): string {
  return text.normalize("NFKC");
}

/** Removes zero-width and other invisible format characters. */
export function stripInvisible(text: string): string {
  return HAS_INVISIBLE.test(text) ? text.replace(INVISIBLE, "") : text;
}

/**
 * The base fold every variant gets: split camelCase identifiers (tool names), lower-case, drop
 * diacritics, fold a few letters and collapse whitespace. Applied to the lexicons too, so a term
 * written with accents matches text written without them and the other way round.
 */
export function fold(text: string): string {
  const ascii = ASCII.test(text);
  let out = text.replace(ascii ? /([a-z])([A-Z])/g : /(\p{Ll})(\p{Lu})/gu, "$1 $2").toLowerCase();
  if (!ascii) {
    // NFD splits accents off; NFC re-joins what must stay joined (kana voicing, Hangul).
    out = out.normalize("NFD").replace(DIACRITICS, "").normalize("NFC");
    out = foldLetters(out);
  }
  // Keep line breaks (sentence ends) and a double space (the word break of `w h o  i s`). Most
  // texts hold single and double spaces only, which that leaves as they are: one scan instead of
  // a replacement call per space.
  if (!SPACES_TO_FOLD.test(out)) return out.trim();
  return out.replace(/[^\S\n]+/g, (m) => (m.length > 1 ? "  " : " ")).trim();
}

/** White space the fold rewrites: other than a space or a line break, or three spaces in a row. */
const SPACES_TO_FOLD = /[^\S\n ]| {3}/;

/**
 * The fold without camelCase splitting and whitespace collapsing, for the gate: lower case,
 * diacritics dropped, a few letters folded. Only for non-ASCII text (ASCII just lower-cases).
 */
export function foldLite(text: string): string {
  return foldLetters(text.toLowerCase().normalize("NFD").replace(DIACRITICS, "").normalize("NFC"));
}

/**
 * Folds the Latin letters NFD does not take apart (`ı`, `ł`, `ø`, `ħ`, `ß`, `ɑ`...) and
 * typographic apostrophes to their plain forms: a dotless `ı` in "ıdentıfy" is a Latin letter, so
 * no look-alike mapping of other scripts catches it, and the rules and the model must both see
 * "identify". Text without such letters comes back as it is.
 */
export function foldLetters(text: string): string {
  return text.replace(FOLD_LETTERS_RE, (c) => FOLD_LETTERS[c] ?? latinFold(c));
}

/**
 * Cyrillic and Greek letters that look like Latin ones (lower-case, after folding). From the
 * Unicode confusables table (UTS #39), restricted to the letters used in attacks in practice.
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: "a",
  в: "b",
  е: "e",
  ё: "e",
  һ: "h",
  і: "i",
  ї: "i",
  ј: "j",
  к: "k",
  ӏ: "l",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  ԛ: "q",
  г: "r",
  ѕ: "s",
  т: "t",
  у: "y",
  ԝ: "w",
  х: "x",
  с: "c",
  ԁ: "d",
  ɡ: "g",
  ɑ: "a",
  ο: "o",
  α: "a",
  β: "b",
  ε: "e",
  η: "n",
  ι: "i",
  κ: "k",
  μ: "u",
  ν: "v",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  γ: "y",
  ϲ: "c",
  ϳ: "j",
  ω: "w",
};
/**
 * Letters that "fancy text" generators pick for their shape to spell Latin words (`ρєяѕση`,
 * `тнιѕ`) though no confusables table pairs them with a Latin letter. Read so only inside a word
 * that mixes scripts, which no Russian, Ukrainian or Greek word does.
 */
const FAUX_TWINS: Readonly<Record<string, string>> = {
  є: "e",
  я: "r",
  п: "n",
  и: "u",
  ц: "u",
  ш: "w",
  щ: "w",
  ф: "o",
  ч: "y",
  ь: "b",
  ъ: "b",
  д: "a",
  ж: "x",
  λ: "a",
  σ: "o",
  ς: "c",
  π: "n",
  θ: "o",
};
const CYRILLIC = /\p{Script=Cyrillic}/u;
const GREEK = /\p{Script=Greek}/u;
/** Homoglyphs that are not letters of the Russian alphabet: their presence is a strong signal. */
const NON_RUSSIAN = new Set(["һ", "і", "ї", "ј", "ӏ", "ԛ", "ѕ", "ԝ", "ԁ", "ɡ", "ɑ", "ϲ", "ϳ"]);
const HAS_NON_LATIN_LETTER = /[^\p{Script=Latin}\P{L}]/u;
const WORD = /[\p{L}\p{M}]+/gu;
const LATIN = /\p{Script=Latin}/u;
const ASCII_LETTER = /^[a-z]$/;
/** Scripts with letters made to pass for Latin ones; other scripts' letters are never mapped. */
const TWIN_SCRIPTS =
  /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Cherokee}\p{Script=Coptic}\p{Script=Lisu}\p{Script=Canadian_Aboriginal}\p{Script=Latin}]/u;

/**
 * Latin small capitals (ᴡʜᴏ ɪꜱ ᴛʜɪꜱ), which "fancy font" generators use for a whole word: Latin
 * letters, so the look-alike mapping below leaves them, and NFKC keeps them; no language's
 * spelling uses them. Each is read as the letter it is a capital of (Unicode names them so).
 */
const SMALL_CAPITAL_LETTERS: Readonly<Record<string, string>> = {
  "\u1D00": "a",
  "\u0299": "b",
  "\u1D04": "c",
  "\u1D05": "d",
  "\u1D07": "e",
  "\uA730": "f",
  "\u0262": "g",
  "\u029C": "h",
  "\u026A": "i",
  "\u1D0A": "j",
  "\u1D0B": "k",
  "\u029F": "l",
  "\u1D0D": "m",
  "\u0274": "n",
  "\u1D0F": "o",
  "\u1D18": "p",
  "\uA7AF": "q",
  "\u0280": "r",
  "\uA731": "s",
  "\u1D1B": "t",
  "\u1D1C": "u",
  "\u1D20": "v",
  "\u1D21": "w",
  "\u028F": "y",
  "\u1D22": "z",
};
const SMALL_CAPITALS = new RegExp(`[${Object.keys(SMALL_CAPITAL_LETTERS).join("")}]`, "g");
const SMALL_CAPITAL = new RegExp(SMALL_CAPITALS.source);

/** Look-alikes found so far: letter → its Latin twin, or "" when it has none. */
const SKELETONS = new Map<string, string>();

/**
 * The Latin letter a non-Latin letter imitates, from the table above or else the Unicode
 * confusables data (UTS #39, the `unhomoglyph` package: Armenian, Cherokee, Coptic, Lisu, small
 * capitals, mathematical letters...), or "" when it imitates none.
 */
function latinTwin(ch: string): string {
  const known = HOMOGLYPHS[ch];
  if (known !== undefined) return known;
  if (!TWIN_SCRIPTS.test(ch)) return "";
  let twin = SKELETONS.get(ch);
  if (twin === undefined) {
    twin = "";
    for (const form of [ch, ch.toUpperCase()]) {
      const candidate = unhomoglyph(form).toLowerCase();
      if (ASCII_LETTER.test(candidate)) {
        twin = candidate;
        break;
      }
    }
    if (SKELETONS.size < 4096) SKELETONS.set(ch, twin);
  }
  return twin;
}

/**
 * Maps look-alike letters of other scripts to the Latin ones they imitate, but only in words that
 * look Latin: a word mixing Latin with look-alikes, a word made only of look-alikes that include
 * one no Russian word holds (`һ`, `і`, `ѕ`), or any all-look-alike word (Armenian, Cherokee...)
 * in a text whose letters are mostly Latin. Real Russian, Greek or Armenian words (which nearly always
 * hold letters with no Latin twin) are left alone.
 */
export function mapConfusables(text: string): string {
  if (SMALL_CAPITAL.test(text))
    text = text.replace(SMALL_CAPITALS, (c) => SMALL_CAPITAL_LETTERS[c]!);
  if (!HAS_NON_LATIN_LETTER.test(text)) return text;
  let latin = 0;
  let other = 0;
  for (const ch of text) {
    if (LATIN.test(ch)) latin++;
    else if (HAS_NON_LATIN_LETTER.test(ch) && latinTwin(ch) === "") other++;
  }
  const latinText = latin > other;
  return text.replace(WORD, (word) => {
    let hasGlyph = false;
    let nonRussian = false;
    let untwinned = false;
    let scripts = 0; // bits: Latin, Cyrillic, Greek
    for (const ch of word) {
      if (LATIN.test(ch)) {
        scripts |= 1;
        continue;
      }
      if (!HAS_NON_LATIN_LETTER.test(ch)) continue; // a combining mark
      if (CYRILLIC.test(ch)) scripts |= 2;
      else if (GREEK.test(ch)) scripts |= 4;
      if (latinTwin(ch) === "") {
        untwinned = true;
        continue;
      }
      hasGlyph = true;
      if (NON_RUSSIAN.has(ch)) nonRussian = true;
    }
    // Letters of two of Latin, Cyrillic and Greek in one word: styling, not a word of a language.
    const mixed = (scripts & (scripts - 1)) !== 0;
    const hasLatin = (scripts & 1) !== 0;
    if (untwinned && !mixed) return word; // a real letter with no Latin twin
    if (!hasGlyph || !(hasLatin || nonRussian || latinText || mixed)) return word;
    let out = "";
    for (const ch of word) {
      out += LATIN.test(ch) ? ch : latinTwin(ch) || (mixed ? (FAUX_TWINS[ch] ?? ch) : ch);
    }
    return out;
  });
}

/**
 * A letter-like unit of a spaced-out word: a letter, a digit or a leetspeak symbol, with no mark
 * after it (a Devanagari or Bengali consonant with its vowel sign is a syllable, not a spaced
 * letter: "न है" are two words).
 */
const UNIT = "[\\p{L}\\p{N}@$](?!\\p{M})";
/** The separators other than a space that spread out letters or syllables (`f.a.c.e`, `क.ौ.न`). */
const SPACER = "[.\\-_*·•|/+~]";
/**
 * What may stand between the letters of a spaced-out word: a space, one of {@link SPACER}, or one
 * emoji (`w🔥h🔥o i🔥s`, which a language model reads as "who is").
 */
const SEPARATOR = `(?: |${SPACER}|\\p{Extended_Pictographic}\uFE0F?)`;
/** Spaced runs start after no letter, mark or apostrophe ("it's a" is not `s a`). */
const SPACED_RUN = new RegExp(
  `(?<![\\p{L}\\p{M}\\p{N}@$'\u2019\u02bc])${UNIT}(?:${SEPARATOR}${UNIT}){1,}(?![\\p{L}\\p{N}@$])`,
  "gu",
);
const SPACED_SEPARATORS = new RegExp(SEPARATOR, "gu");
/** A separator other than a space, which makes a run's spaces word breaks. */
const NOT_A_SPACE = new RegExp(`${SPACER}|\\p{Extended_Pictographic}`, "u");

/** A separator right before a mark: the cheap test for {@link joinSpelledSyllables}. */
const SEPARATOR_BEFORE_MARK_HINT = new RegExp(`${SPACER}\\p{M}`, "u");
/**
 * Separators put before a vowel sign or another mark (`क.ौ.न`): no word starts with a mark, so
 * a separator there was put in to break the word up.
 */
const SEPARATOR_BEFORE_MARK = new RegExp(`(?<=[\\p{L}\\p{M}])${SPACER}+(?=\\p{M})`, "gu");
/** A syllable of a script other than Latin (which {@link SPACED_RUN} reads): a letter, its marks. */
const SYLLABLE = "[^\\P{L}\\p{Script=Latin}]\\p{M}*";
/** Two or more syllables joined by single {@link SPACER}s (`प.ह.चा.नो`, `बं.दा`). */
const SPELLED_SYLLABLES = new RegExp(
  `(?<![\\p{L}\\p{M}\\p{N}])${SYLLABLE}(?:${SPACER}${SYLLABLE})+(?![\\p{L}\\p{M}\\p{N}])`,
  "gu",
);
const SYLLABLE_SEPARATORS = new RegExp(SPACER, "gu");

/**
 * A text spelled out syllable by syllable in a script that writes vowels as marks (Devanagari,
 * Bengali, Tamil, Sinhala, Thai...), where a spaced-letter reading cannot apply, since a letter
 * and its vowel sign are one syllable: "क.ौ.न है य.े ब.ं.द.ा?" reads "कौन है ये बंदा?" (h285).
 * Only a text that puts a separator before a mark somewhere is read so: that is the sign it was
 * spelled out on purpose; a text that only hyphenates words (`आम-जनता`) is left as it is.
 */
function joinSpelledSyllables(text: string): string {
  const unbroken = text.replace(SEPARATOR_BEFORE_MARK, "");
  if (unbroken === text) return text;
  return unbroken.replace(SPELLED_SYLLABLES, (run) => run.replace(SYLLABLE_SEPARATORS, ""));
}

const SPACED_HINT = /(?:^|[^a-z0-9@$])[a-z0-9@$][ .\-_*|/+~][a-z0-9@$](?![a-z0-9@$])/;

/**
 * Joins letters spread out by single separators: `w h o  i s` becomes `who is` (two spaces keep
 * the word break), `f.a.c.e` becomes `face`. Only runs of single characters are joined, so
 * ordinary words are untouched; a run of one letter and one word (`a car`) is left as it is.
 * Two single letters together are common words ("é o", "e a", "y a", "e.g", "y/n"): they are
 * joined only in a text that also spreads out a word of three letters or more, the sign that it
 * is spelt out on purpose.
 */
export function joinSpacedLetters(text: string): string {
  if (SEPARATOR_BEFORE_MARK_HINT.test(text)) text = joinSpelledSyllables(text);
  let spelledOut = false;
  const joined = text.replace(SPACED_RUN, (run) => {
    if (run.replace(SPACED_SEPARATORS, "").length >= 3) spelledOut = true;
    // `r.u.n t.h.i.s`: letters joined by dots, words apart by spaces.
    if (run.includes(" ") && NOT_A_SPACE.test(run)) {
      return run
        .split(/ +/)
        .map((w) => w.replace(SPACED_SEPARATORS, ""))
        .join(" ");
    }
    return run.replace(SPACED_SEPARATORS, "");
  });
  return spelledOut ? joined : text;
}

const JUNK_HINT = /\p{L}[#~`^*|_]+\p{L}/u;

/** Junk characters stuck inside a word (`w#ho`, `th~is`, `f`ace`); `_` joins identifier words. */
const JUNK_IN_WORD = /(?<=\p{L})[#~`^*|]+(?=\p{L})/gu;
const UNDERSCORE_IN_WORD = /(?<=\p{L})_+(?=\p{L})/gu;

/**
 * Three or more Latin words of two letters or more joined by single dots (`is.this.king.charles`,
 * h180); lower case, as the callers pass it. Host names match too (`www.example.com`), and reading
 * them as words is harmless.
 */
const DOTTED_WORDS = /(?<![a-z])[a-z]{2,}(?:\.[a-z]{2,}){2,}/g;

const isSmallLatin = (c: number) => c >= 97 && c <= 122;

/**
 * Whether a dot stands between `letters` small Latin letters on each side (`ab.cd` for two): the
 * cheap test before the dotted-word expressions, which prose ("the end. Next") seldom passes.
 * `indexOf` finds the dots (a regular expression tried at every position cost 0.7 us per KB).
 */
function dotBetweenLetters(text: string, letters: 1 | 2): boolean {
  for (let i = text.indexOf("."); i >= 0; i = text.indexOf(".", i + 1)) {
    if (
      isSmallLatin(text.charCodeAt(i - 1)) &&
      isSmallLatin(text.charCodeAt(i + 1)) &&
      (letters === 1 ||
        (isSmallLatin(text.charCodeAt(i - 2)) && isSmallLatin(text.charCodeAt(i + 2))))
    ) {
      return true;
    }
  }
  return false;
}

/** A word with one dot between its letters (`wh.o`, `t.he`), not part of a longer dotted chain. */
const DOT_IN_WORD = /(?<![\p{L}\p{N}.])(\p{L}+)\.(\p{L}+)(?![\p{L}\p{N}]|\.\p{L})/gu;

/**
 * Drops a dot put inside words to break them up (`wh.o's t.he ce.leb in th.is p.ic`, h222), when
 * three or more words carry one and two of them, joined, are different common English words
 * (english-gain.ts): file names (`photo.jpg`), abbreviations (`e.g.`) and host names stay.
 */
function dropDotsInWords(text: string): string {
  // Two common English words need a small Latin letter on each side of their dots (lower case).
  if (!dotBetweenLetters(text, 1)) return text;
  const dotted = [...text.matchAll(DOT_IN_WORD)];
  if (dotted.length < 3) return text;
  const english = new Set(dotted.map((m) => m[1]! + m[2]!).filter(isCommonEnglishWord));
  return english.size < 2 ? text : text.replace(DOT_IN_WORD, "$1$2");
}

/**
 * Drops junk characters inside words (`d#oes th~is` → `does this`), reads `_` between letters
 * as a space (`full_name` → `full name`, `be_long` → `be long`), dots between three or more
 * words too (`is.this.king.charles` → `is this king charles`), and dots put inside English
 * words to break them up (`wh.o's t.he`).
 */
export function dropJunkInWords(raw: string): string {
  const text = dropDotsInWords(raw);
  const undotted = dotBetweenLetters(text, 2)
    ? text.replace(DOTTED_WORDS, (run) => run.replaceAll(".", " "))
    : text;
  // One scan without look-behinds first (they cost a test at every position): both
  // replacements need junk between two letters.
  if (!JUNK_HINT.test(undotted)) return undotted;
  return undotted.replace(JUNK_IN_WORD, "").replace(UNDERSCORE_IN_WORD, " ");
}

const LEET: Readonly<Record<string, string>> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "!": "i",
  "|": "l",
  "€": "e",
};
const LEET_TOKEN = /[\p{L}\p{N}@$!|€]+/gu;
const HAS_LETTER = /\p{L}/u;
const HAS_LEET = /[013457@$!|€]/;

/**
 * Rewrites leetspeak inside words that also hold letters (`1d3nt1fy` → `identify`); numbers on
 * their own (`2024`) are left alone. `one` chooses what `1` stands for: `i` or `l`.
 */
export function deLeet(text: string, one: "i" | "l" = "i"): string {
  if (!HAS_LEET.test(text)) return text;
  return text.replace(LEET_TOKEN, (token) => {
    if (!HAS_LETTER.test(token) || !HAS_LEET.test(token)) return token;
    let out = "";
    for (const ch of token) out += ch === "1" ? one : (LEET[ch] ?? ch);
    return out;
  });
}

/** One rung of the ladder: the text as the rules see it and what it took to get there. */
export interface Variant {
  text: string;
  normalised: Normalisation[];
}

/**
 * The ladder of variants of one text, each adding one normaliser to the previous; a rung that
 * changes nothing is skipped, so plain text yields a single variant and costs one fold.
 */
export function variants(raw: string): Variant[] {
  const out: Variant[] = [];
  let current = fold(raw);
  let applied: Normalisation[] = [];
  out.push({ text: current, normalised: applied });
  const step = (name: Normalisation, next: string): void => {
    if (next === current) return;
    current = next;
    applied = [...applied, name];
    out.push({ text: current, normalised: applied });
  };
  if (!ASCII.test(raw)) {
    const k = nfkc(raw);
    if (k !== raw) step("nfkc", fold(k));
    step("zero-width", fold(stripInvisible(k)));
    step("confusables", mapConfusables(current));
  }
  // Cheap test first: most texts have no single letter standing between two separators.
  if (!ASCII.test(current) || SPACED_HINT.test(current)) {
    step("spacing", fold(joinSpacedLetters(current)));
  }
  step("junk", dropJunkInWords(current));
  const beforeLeet = current;
  const beforeLeetApplied = applied;
  step("leetspeak", deLeet(current, "i"));
  const withL = deLeet(beforeLeet, "l");
  if (withL !== beforeLeet && withL !== current) {
    out.push({ text: withL, normalised: [...beforeLeetApplied, "leetspeak"] });
  }
  return out;
}
