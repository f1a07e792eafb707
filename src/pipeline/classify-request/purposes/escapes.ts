/**
 * Characters written as codes that a language model reads as the characters themselves: HTML
 * character references (`&#119;&#104;&#111;`, `&#x77;`, `&eacute;`), escapes of programming
 * languages and JSON (`\u0077`, `\u{1F600}`), Unicode's own notation (`U+0077 U+0068`) and regional
 * indicator letters (`🇼🇭🇴 🇮🇸`). Each hid a whole English ask from the model, which read the codes
 * as digits and symbols. Pure; a text without any of them costs a few `indexOf` calls.
 */
import { decodeHTMLStrict } from "entities";

/** `&#119` and `&#x77` without their `;`, which browsers read too (strict decoding leaves them). */
const NUMERIC_REFERENCE = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?/g;
/** `\u0077`, `\U00000077`, `\u{77}`; a `\` before the backslash escapes it, as in the languages. */
const UNICODE_ESCAPE = /(?<!\\)\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/g;
/** `U+0077`: Unicode's notation for a code point, four to six hex digits. */
const CODE_POINT_NOTATION = /\b[Uu]\+([0-9a-fA-F]{4,6})\b/g;
/** Three or more regional indicator symbols in a row: one flag is two, a word is spelt in them. */
const REGIONAL_RUN = /(?:\uD83C[\uDDE6-\uDDFF]){3,}/;
const REGIONAL_LETTER = /\uD83C([\uDDE6-\uDDFF])/g;

/** The character at `code`, or the reference as written when it names none (or a control). */
function character(code: number, written: string): string {
  if (
    !Number.isFinite(code) ||
    code < 0x20 ||
    code > 0x10ffff ||
    (code >= 0xd800 && code <= 0xdfff)
  )
    return written;
  return String.fromCodePoint(code);
}

/**
 * `text` with every character reference, escape and code point notation read as its character, and
 * regional indicator letters as Latin ones when three or more stand in a row (a word: flags alone
 * are pairs and stay). The same string when there is nothing to read.
 */
export function readEscapes(text: string): string {
  let out = text;
  if (out.includes("&")) {
    out = decodeHTMLStrict(out);
    if (out.includes("&#"))
      out = out.replace(NUMERIC_REFERENCE, (m, hex?: string, dec?: string) =>
        character(hex === undefined ? Number(dec) : Number.parseInt(hex, 16), m),
      );
  }
  if (out.includes("\\"))
    out = out.replace(UNICODE_ESCAPE, (m, braced?: string, four?: string, eight?: string) =>
      // Four-digit escapes are UTF-16 units: a surrogate pair's two halves join in the string.
      four !== undefined
        ? String.fromCharCode(Number.parseInt(four, 16))
        : character(Number.parseInt(braced ?? eight!, 16), m),
    );
  if (out.includes("+") && (out.includes("U+") || out.includes("u+")))
    out = out.replace(CODE_POINT_NOTATION, (m, hex: string) =>
      character(Number.parseInt(hex, 16), m),
    );
  if (out.includes("\uD83C") && REGIONAL_RUN.test(out))
    out = out.replace(REGIONAL_LETTER, (_m, low: string) =>
      String.fromCharCode(97 + low.charCodeAt(0) - 0xdde6),
    );
  return out;
}
