/**
 * The writing system a text is mostly written in, so that the purpose model's thresholds can be set
 * per script (docs/classifier.md, "Thresholds per script"): the model's scores run lower in some
 * scripts, asks and harmless texts alike, and one threshold set where the hardest English
 * negatives lie left those scripts far below their false-positive budget and their recall with it.
 * One pass over the UTF-16 code units; a Latin letter counts a third (a Latin word is several
 * letters where a Han character or a Hangul syllable is a word or most of one). Pure.
 */

/** The script groups the model's card may hold thresholds for. */
export const SCRIPT_GROUPS = [
  "latin",
  "cyrillic",
  "greek",
  "arabic",
  "hebrew",
  "devanagari",
  "bengali",
  "thai",
  "han",
  "hangul",
] as const;
export type ScriptGroup = (typeof SCRIPT_GROUPS)[number];

/** The group of one code unit, as an index into {@link SCRIPT_GROUPS}, or -1 for none. */
function groupOf(c: number): number {
  if (c < 0x80) return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a ? 0 : -1;
  if (c >= 0xc0 && c <= 0x24f) return c === 0xd7 || c === 0xf7 ? -1 : 0;
  if (c >= 0x370 && c <= 0x3ff) return 2;
  if (c >= 0x400 && c <= 0x52f) return 1;
  if (c >= 0x590 && c <= 0x5ff) return 4;
  if ((c >= 0x600 && c <= 0x6ff) || (c >= 0x750 && c <= 0x77f) || (c >= 0x8a0 && c <= 0x8ff)) {
    return 3;
  }
  if (c >= 0x900 && c <= 0x97f) return 5;
  if (c >= 0x980 && c <= 0x9ff) return 6;
  if (c >= 0xe00 && c <= 0xe7f) return 7;
  if (
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x4e00 && c <= 0x9fff)
  ) {
    return 8;
  }
  if (
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0x1100 && c <= 0x11ff) ||
    (c >= 0x3130 && c <= 0x318f)
  ) {
    return 9;
  }
  if (c >= 0xfb50 && c <= 0xfeff) return c >= 0xfe00 && c <= 0xfe6f ? -1 : 3;
  return -1;
}

/**
 * A code unit above U+00FF. Without one, every letter is Latin: V8 answers this test on a text
 * stored one byte per character without reading it (the count below costs 5 us per KB).
 */
const BEYOND_LATIN1 = /[^\x00-\xff]/;

/** The script most of a text's letters are in; `latin` when it has no letters. */
export function scriptGroup(text: string): ScriptGroup {
  if (!BEYOND_LATIN1.test(text)) return "latin";
  const counts = new Float64Array(SCRIPT_GROUPS.length);
  for (let i = 0; i < text.length; i++) {
    const g = groupOf(text.charCodeAt(i));
    if (g >= 0) counts[g]! += g === 0 ? 1 / 3 : 1;
  }
  let best = 0;
  for (let g = 1; g < counts.length; g++) if (counts[g]! > counts[best]!) best = g;
  return SCRIPT_GROUPS[best]!;
}
