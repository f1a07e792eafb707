/**
 * Text turned upside down ("uʍɐɯ sᴉɥʇ sᴉ oɥʍ"), as "flip text" generators write it: each letter
 * replaced by one that looks like it rotated half a turn, and the order reversed so it reads
 * right when the screen is turned. A language model reads it; the purpose model saw IPA letters.
 * Pure.
 */

/** Each rotated letter and the letter it stands for (lower and upper case, and punctuation). */
const ROTATED: Readonly<Record<string, string>> = {
  ɐ: "a",
  ɔ: "c",
  ǝ: "e",
  ɟ: "f",
  ƃ: "g",
  ɓ: "g",
  ɥ: "h",
  ᴉ: "i",
  ı: "i",
  ɾ: "j",
  ʞ: "k",
  ʃ: "l",
  ɯ: "m",
  ɹ: "r",
  ʇ: "t",
  ʌ: "v",
  ʍ: "w",
  ʎ: "y",
  "∀": "A",
  ᗺ: "B",
  Ɔ: "C",
  ᗡ: "D",
  Ǝ: "E",
  Ⅎ: "F",
  "⅁": "G",
  ſ: "J",
  Ʞ: "K",
  "˥": "L",
  Ԁ: "P",
  ᴚ: "R",
  "⊥": "T",
  "∩": "U",
  Λ: "V",
  "⅄": "Y",
  "¿": "?",
  "¡": "!",
  "˙": ".",
  ʻ: ",",
  "„": '"',
};

/**
 * Letters a rotation turns into another letter of the alphabet (b and q, d and p, n and u, M and
 * W): read only in a text that holds rotated letters, where they are rotated too.
 */
const SWAPPED: Readonly<Record<string, string>> = {
  b: "q",
  q: "b",
  d: "p",
  p: "d",
  n: "u",
  u: "n",
  M: "W",
  W: "M",
  "6": "9",
  "9": "6",
};

/**
 * Characters of {@link ROTATED} that other writing uses as they are (Turkish ı, the long s, Spanish
 * ¿ and ¡, IPA's ʃ and ɓ, quotation marks): they do not count towards a rotated text.
 */
const COMMON = new Set(["ı", "ʃ", "ſ", "ɓ", "¿", "¡", "˙", "ʻ", "„"]);
/** Any rotated letter that counts: one scan that most texts fail. */
const HINT = new RegExp(
  `[${Object.keys(ROTATED)
    .filter((c) => !COMMON.has(c))
    .join("")}]`,
);

/**
 * How the text reads turned the right way up: rotated letters read as the ones they stand for and
 * the order reversed; undefined unless three or more rotated letters are in it. IPA transcriptions
 * hold some of them too: their reading is scored as one more, and reads as nothing.
 */
export function upsideDownReading(raw: string): string | undefined {
  if (raw.length >= 2000 || !HINT.test(raw)) return undefined;
  let rotated = 0;
  for (const ch of raw) if (ROTATED[ch] !== undefined && !COMMON.has(ch)) rotated++;
  if (rotated < 3) return undefined;
  let out = "";
  for (const ch of raw) out = (ROTATED[ch] ?? SWAPPED[ch] ?? ch) + out;
  return out;
}
