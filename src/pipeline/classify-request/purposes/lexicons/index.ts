/** Every shipped lexicon; add a language by adding its file and listing it here. */
import type { Lexicon } from "../lexicon.js";
import { JA, KO, ZH } from "./cjk.js";
import { DE, EN, NL } from "./germanic.js";
import { ES, FR, IT, PT } from "./romance.js";
import { PL, RU } from "./slavic.js";
import { AR, TR } from "./turkic-semitic.js";

export const LEXICONS: readonly Lexicon[] = [
  EN,
  ES,
  FR,
  DE,
  PT,
  IT,
  NL,
  PL,
  TR,
  RU,
  AR,
  ZH,
  JA,
  KO,
];
