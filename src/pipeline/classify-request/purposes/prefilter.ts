/**
 * The cheap first look: does a normalised text contain the beginning of any anchor term (a word
 * every rule needs, such as "face", "who", "identify", "blur")? Most prompts (summaries, code,
 * translations) do not, and skip the matcher and the rules. Built once from the lexicons: four
 * set lookups per word, one per CJK character.
 */
import type { CompiledLexicons, Concept } from "./lexicon.js";
import { wordForms } from "./match.js";

const ANCHORS: ReadonlySet<Concept> = new Set([
  "face",
  "who",
  "recog",
  "recogVerify",
  "identify",
  "verify",
  "match",
  "same",
  "samePerson",
  "seek",
  "refStrong",
  "benign",
  "analysis",
  "personDesc",
  "text",
  "scene",
]);
const KEY = 4;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export type Prefilter = (text: string) => boolean;

export function createPrefilter(lex: CompiledLexicons): Prefilter {
  /** First four letters of long heads; short stems as they are; short words whole. */
  const keys = new Set<string>();
  const shortStems = new Set<string>();
  const shortWords = new Set<string>();
  const infixes: string[] = [];
  const chars = new Set<string>();
  for (const list of [...lex.exact.values(), ...lex.prefix.values(), lex.infix]) {
    for (const entry of list) {
      if (!ANCHORS.has(entry.concept)) continue;
      const head = entry.parts[0]!;
      if (head.how === "infix") infixes.push(head.text);
      else if (head.text.length >= KEY) keys.add(head.text.slice(0, KEY));
      else if (head.how === "prefix") shortStems.add(head.text);
      else shortWords.add(head.text);
    }
  }
  for (const list of lex.chars.values()) {
    for (const entry of list) if (ANCHORS.has(entry.concept)) chars.add(entry.term[0]!);
  }
  return (text) => {
    for (const m of text.matchAll(WORD)) {
      for (const word of wordForms(m[0])) {
        if (shortWords.has(word) || keys.has(word.slice(0, KEY))) return true;
        for (let k = 1; k < KEY && k <= word.length; k++) {
          if (shortStems.has(word.slice(0, k))) return true;
        }
        for (const infix of infixes) if (word.includes(infix)) return true;
      }
    }
    if (!CJK.test(text)) return false;
    for (const ch of text) if (chars.has(ch)) return true;
    return false;
  };
}
