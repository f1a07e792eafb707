/**
 * The personal-name marker (personal-names.ts): a marker token before each name the model's list
 * holds, the same at training and at prediction, and a list chosen so that names that are everyday
 * words ("will", "guy", German nouns) are not marked. The shipped model's own list is checked too:
 * it is what the model was trained with.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Example } from "../../../scripts/classifier/examples.js";
import { trainingLines } from "../../../scripts/classifier/fasttext-train.js";
import { personalNames } from "../../../scripts/classifier/personal-names.js";
import { modelWords } from "../../../src/pipeline/classify-request/purposes/model/model-text.js";
import {
  markPersonalNames,
  NAME_MARKER,
  NAMES_FILE,
  NO_NAMES,
  parsePersonalNames,
  readPersonalNames,
} from "../../../src/pipeline/classify-request/purposes/model/personal-names.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const example = (text: string, lang = "en"): Example => ({
  text,
  recognition: false,
  lang,
  kind: "plain",
  source: "test",
});

describe("marking personal names", () => {
  const names = new Set(["henrik", "lund", "oliveira"]);

  it("puts the marker before each name and leaves other words alone", () => {
    expect(markPersonalNames(modelWords("Is this Henrik Lund?"), names)).toEqual([
      "is",
      "this",
      NAME_MARKER,
      "henrik",
      NAME_MARKER,
      "lund",
      "?",
    ]);
    const words = modelWords("is this a hawk?");
    expect(markPersonalNames(words, names)).toBe(words);
    expect(markPersonalNames(words, NO_NAMES)).toBe(words);
  });

  it("cannot be forged by the caller: the marker typed in a text is split into other tokens", () => {
    expect(modelWords(`who is ${NAME_MARKER}`)).not.toContain(NAME_MARKER);
  });

  it("reads the same way at training: a training line carries the markers", () => {
    expect(trainingLines(example("could this be Marta Oliveira?"), names)[0]).toBe(
      `__label__other could this be marta ${NAME_MARKER} oliveira ?`,
    );
  });

  it("reads a names file, and none when the directory has no file", () => {
    const dir = mkdtempSync(join(tmpdir(), "names-"));
    expect(readPersonalNames(dir)).toBe(NO_NAMES);
    writeFileSync(join(dir, NAMES_FILE), "anna\n\n  lund \n");
    expect([...readPersonalNames(dir)].sort()).toEqual(["anna", "lund"]);
    expect(parsePersonalNames("").size).toBe(0);
  });
});

describe("choosing the names from the dataset and the training texts", () => {
  const texts = [
    example("Is this Henrik at the gate? I think Henrik works there."),
    example("what is this guy holding"),
    example("who is that guy in the red cap"),
    example("Maybe the Guy Fawkes mask?"),
    example("they will say no, and Will knows it will not work"),
    example("wer ist der Mann neben der Frau?", "de"),
    example("Der Mann trägt eine Jacke.", "de"),
  ];
  const chosen = personalNames(texts);

  it("keeps names written with a capital, and names the texts never use", () => {
    expect(chosen.has("henrik")).toBe(true);
    expect(chosen.has("oliveira")).toBe(true);
  });

  it("drops names the texts mostly write as ordinary words", () => {
    expect(chosen.has("guy")).toBe(false);
    expect(chosen.has("will")).toBe(false);
  });

  it("does not count German capitals, where every noun has one", () => {
    expect(chosen.has("mann")).toBe(false);
  });

  it("drops one- and two-letter words and the scripts read one character at a time", () => {
    for (const name of chosen) {
      expect(name.length).toBeGreaterThanOrEqual(2);
      expect(name).not.toMatch(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u);
    }
  });

  it("ships with the model: the committed list is a list of model tokens", () => {
    const shipped = readPersonalNames(join(ROOT, "models/purpose"));
    expect(shipped.size).toBeGreaterThan(10_000);
    for (const name of ["henrik", "lund", "oliveira", "nowak"])
      expect(shipped.has(name)).toBe(true);
    for (const word of ["the", "guy", "name", "man"]) expect(shipped.has(word)).toBe(false);
    for (const name of [...shipped].slice(0, 2000)) expect(modelWords(name)).toEqual([name]);
  });
});
