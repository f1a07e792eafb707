/**
 * Every shipped lexicon, read once when this module loads from `<lang>.yaml` next to it (in
 * `src/` under the tests, in `dist/src/` where `npm run build` copies them) and checked by
 * `lexicon-file.ts`. A broken file stops the process at start-up with the file, concept and term.
 */
import { join } from "node:path";
import type { Lexicon } from "../lexicon.js";
import { loadLexiconFile } from "../lexicon-file.js";

/**
 * The languages, in the order their lexicons are compiled (and their hits reported). Add a
 * language by adding `<lang>.yaml` here and listing it.
 */
export const LANGUAGES = [
  "en",
  "es",
  "fr",
  "de",
  "pt",
  "it",
  "nl",
  "pl",
  "tr",
  "ru",
  "ar",
  "zh",
  "ja",
  "ko",
] as const;

/** The lexicons of `LANGUAGES`, loaded and checked; `compileLexicons` turns them into indexes. */
export const LEXICONS: readonly Lexicon[] = LANGUAGES.map((lang) =>
  loadLexiconFile(join(import.meta.dirname, `${lang}.yaml`)),
);
