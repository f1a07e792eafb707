/**
 * Personal names as a signal the model can generalise from. "is this henrik lund?" with a photo
 * asks who the person is, "is this a hawk?" does not; the model learns the difference for the
 * names its training data holds, and a name it never saw is only letters. So the model reads a
 * marker token before every word that is a personal name ("is this ⟨name⟩ henrik ⟨name⟩ lund ?"),
 * at training and at prediction alike, and learns what the shape around a name means for every
 * name at once. The names come with the model (`models/purpose/names.txt`, written by training
 * from a maintained multilingual names dataset; see scripts/classifier/personal-names.ts). Pure,
 * apart from reading that file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The token read before a personal name; user text cannot produce it (`⟨` is a token alone). */
export const NAME_MARKER = "⟨name⟩";

/** The names file in a model's directory: one lower-case model token per line. */
export const NAMES_FILE = "names.txt";

/** No names: the model reads the words alone (models trained before names were marked). */
export const NO_NAMES: ReadonlySet<string> = new Set();

/** `words` with {@link NAME_MARKER} before each one that `names` holds; `words` itself when none. */
export function markPersonalNames(words: string[], names: ReadonlySet<string>): string[] {
  if (names.size === 0) return words;
  let out: string[] | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (names.has(w)) {
      out ??= words.slice(0, i);
      out.push(NAME_MARKER);
    }
    out?.push(w);
  }
  return out ?? words;
}

/** The names of the model in `dir`, or {@link NO_NAMES} when it has no names file. */
export function readPersonalNames(dir: string): ReadonlySet<string> {
  const file = join(dir, NAMES_FILE);
  if (!existsSync(file)) return NO_NAMES;
  return parsePersonalNames(readFileSync(file, "utf8"));
}

/** One name per line; blank lines skipped. */
export function parsePersonalNames(text: string): ReadonlySet<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const name = line.trim();
    if (name !== "") names.add(name);
  }
  return names;
}
