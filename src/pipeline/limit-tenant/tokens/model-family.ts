/**
 * Maps a model name to its family (families.ts). Names are OpenAI's and Azure's model names
 * (`gpt-35-turbo` and `gpt-3.5-turbo` alike), case-insensitive, with version suffixes dropped:
 * dates (`-2024-08-06`, `-0613`), `-preview`, `-latest` and the context sizes `-16k`/`-32k`. A
 * name that is still not in the table gets the conservative `default` family and `known: false`;
 * a deployment's own name (`prod-vision`) is such a name, so callers pass the model behind it.
 */
import { FAMILIES, type FamilyId, type ModelFamily } from "./families.js";

/** Model names (without version suffixes) of each family. */
const MODELS: Readonly<Record<Exclude<FamilyId, "default">, readonly string[]>> = {
  "gpt-4": [
    "gpt-4",
    "gpt-4-turbo",
    "gpt-4-vision",
    "gpt-35-turbo",
    "gpt-3.5-turbo",
    "gpt-35-turbo-instruct",
    "gpt-3.5-turbo-instruct",
  ],
  "gpt-4o": ["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5"],
  "gpt-4o-mini": ["gpt-4o-mini"],
  o1: ["o1", "o1-pro", "o1-mini", "o3", "o3-pro", "o3-mini"],
  "gpt-5": ["gpt-5", "gpt-5-chat"],
  "computer-use": ["computer-use"],
  "gpt-4.1-mini": ["gpt-4.1-mini", "gpt-5-mini"],
  "gpt-4.1-nano": ["gpt-4.1-nano", "gpt-5-nano"],
  "o4-mini": ["o4-mini"],
};

const BY_NAME: ReadonlyMap<string, ModelFamily> = new Map(
  Object.entries(MODELS).flatMap(([id, names]) =>
    names.map((name) => [name, FAMILIES[id as FamilyId]] as const),
  ),
);

/** One version suffix at the end of a name; dropped repeatedly (`gpt-4-1106-preview`). */
const SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{4}|\d{6}|preview|latest|16k|32k)$/;

/** The family of `model`, and whether the name was recognised. */
export function modelFamily(model: string): { family: ModelFamily; known: boolean } {
  let name = model.trim().toLowerCase();
  for (;;) {
    const family = BY_NAME.get(name);
    if (family !== undefined) return { family, known: true };
    const shorter = name.replace(SUFFIX, "");
    if (shorter === name) return { family: FAMILIES.default, known: false };
    name = shorter;
  }
}
