/**
 * Romanised South Asian text as a script group of its own (model/south-asian-latin.ts): the marker
 * words are chosen from the training texts' language tags, a text is in the group only when
 * several of them make up a real share of its words, and the group's thresholds apply to it alone.
 * The shipped model's own list is checked against texts it was never built from.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Example } from "../../../scripts/classifier/examples.js";
import { MIN_TEXTS, southAsianWords } from "../../../scripts/classifier/south-asian-words.js";
import { combinedLevel } from "../../../src/pipeline/classify-request/purposes/confidence.js";
import {
  isSouthAsianLatin,
  MarkerTable,
  NO_MARKERS,
  readSouthAsianWords,
  SOUTH_ASIAN_LATIN_FILE,
  wordKey,
} from "../../../src/pipeline/classify-request/purposes/model/south-asian-latin.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const example = (text: string, lang: string): Example => ({
  text,
  recognition: false,
  lang,
  kind: "plain",
  source: "test",
});

describe("isSouthAsianLatin", () => {
  const words = new MarkerTable(["ye", "kaun", "hai", "kawda", "me", "eke", "banda"]);

  it("reads a text where several marker words make up a share of its words", () => {
    expect(isSouthAsianLatin("ye banda kaun hai? photo dekh ke batao", words)).toBe(true);
    expect(isSouthAsianLatin("Me photo EKE inna kena KAWDA?", words)).toBe(true);
  });

  it("needs two different marker words", () => {
    expect(isSouthAsianLatin("hai hai hai", words)).toBe(false);
    expect(isSouthAsianLatin("hai kaun", words)).toBe(true);
  });

  it("leaves an English text that quotes a word or two as Latin", () => {
    expect(
      isSouthAsianLatin(
        "The caption says 'ye kaun hai' under a photo of a street market in the rain, with stalls selling fruit, fabric and phone covers; describe the scene for the alt text.",
        words,
      ),
    ).toBe(false);
  });

  it("splits words at anything but a Latin letter, and never takes a word with a diacritic", () => {
    expect(isSouthAsianLatin("ye,kaun-hai?", words)).toBe(true);
    expect(isSouthAsianLatin("yé kaün hai", words)).toBe(false);
    const table = new MarkerTable(["kaun", "kaün", "हाँ"]);
    expect(table.size).toBe(1);
    expect(table.has(wordKey("kaun"))).toBe(true);
  });

  it("reads nothing without marker words", () => {
    expect(isSouthAsianLatin("ye banda kaun hai", NO_MARKERS)).toBe(false);
  });
});

describe("choosing the marker words at training", () => {
  const many = (text: string, lang: string, n: number) =>
    Array.from({ length: n }, (_, i) => example(`${text} ${i}`, lang));

  it("keeps words the tagged texts use and other Latin text does not", () => {
    const chosen = southAsianWords([
      ...many("ye banda kaun hai photo", "hi-Latn", MIN_TEXTS),
      ...many("meka kawda photo", "si-Latn", MIN_TEXTS),
      ...many("who is in this photo", "en", 200),
      ...many("quién es esta persona en la photo", "es", 200),
      // Devanagari text is not Latin text: its words never count against a marker.
      ...many("ये banda कौन है", "hi", 50),
    ]);
    expect([...chosen].sort()).toEqual(["banda", "hai", "kaun", "kawda", "meka", "ye"]);
  });

  it("drops words used by fewer than MIN_TEXTS tagged texts, and one-letter words", () => {
    const chosen = southAsianWords([
      ...many("kaun hai", "hi-Latn", MIN_TEXTS - 1),
      ...many("a b", "ur-Latn", 100),
      ...many("the photo", "en", 100),
    ]);
    expect(chosen.size).toBe(0);
  });

  it("weighs both sides as equal in size: a word common in English is not a marker", () => {
    // "is" is in every tagged text, and in 10% of the English ones: precision 0.91 < 0.95.
    const chosen = southAsianWords([
      ...many("kaun is", "hi-Latn", 100),
      ...many("who is", "en", 100),
      ...many("what now", "en", 900),
    ]);
    expect(chosen.has("kaun")).toBe(true);
    expect(chosen.has("is")).toBe(false);
  });
});

describe("the group's thresholds", () => {
  it("apply to romanised South Asian text alone", () => {
    const card = {
      ruleBonus: 0.5,
      thresholds: { possible: 0.5, likely: 3.5, certain: 7 },
      thresholdsByScript: { "latin-south-asia": { possible: -1, likely: 3, certain: 7 } },
    };
    const p = 0.4; // log-odds -0.41
    expect(combinedLevel(p, false, card, "latin-south-asia")).toBe("possible");
    expect(combinedLevel(p, false, card, "latin")).toBe("none");
  });
});

describe("the shipped model's marker words", () => {
  const words = readSouthAsianWords(join(ROOT, "models/purpose"));

  it.runIf(words.size > 0)("read romanised asks it was never built from, and not English", () => {
    // Written for this test, not taken from the training data.
    expect(isSouthAsianLatin("bhai ye photo wala aadmi kaun hai, naam bata do na", words)).toBe(
      true,
    );
    expect(isSouthAsianLatin("ammu bolche eta amader para r chele, chobi ta dekho", words)).toBe(
      true,
    );
    expect(isSouthAsianLatin("Who is the man in this photo? Tell me his name.", words)).toBe(false);
    expect(
      isSouthAsianLatin("Sino ang lalaking ito sa litrato? Sabihin mo ang pangalan niya.", words),
    ).toBe(false);
    expect(isSouthAsianLatin("Siapa orang di foto ini? Sebutkan namanya.", words)).toBe(false);
  });

  it("reads a model directory's file, and none when it is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "sa-latin-"));
    expect(readSouthAsianWords(dir)).toBe(NO_MARKERS);
    writeFileSync(join(dir, SOUTH_ASIAN_LATIN_FILE), "kaun\n\nhai\n");
    const read = readSouthAsianWords(dir);
    expect(read.size).toBe(2);
    expect(read.has(wordKey("kaun")) && read.has(wordKey("hai"))).toBe(true);
    expect(read.has(wordKey("kon"))).toBe(false);
  });
});
