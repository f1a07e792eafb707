/**
 * The gateway reads the shipped fastText model itself (fasttext-linear.ts) instead of predicting
 * through fasttext.wasm.js: its probabilities must be the library's, on every text of the
 * committed validation set, whole and in the windows the gateway scores.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { getFastTextClass, getFastTextModule } from "fasttext.wasm.js";
import { beforeAll, describe, expect, it } from "vitest";
import { readFastTextLinear } from "../../../src/pipeline/classify-request/purposes/model/fasttext-linear.js";
import { modelText } from "../../../src/pipeline/classify-request/purposes/model/model-text.js";
import {
  modelWindows,
  RECOGNITION_LABEL,
  STRIDE,
  WINDOW,
} from "../../../src/pipeline/classify-request/purposes/model/purpose-model.js";

const MODEL = join(import.meta.dirname, "../../../models/purpose/model.bin");
const VALIDATION = join(import.meta.dirname, "../../../data/purpose/validation.jsonl");

interface Library {
  predict(text: string, k: number, t: number): { size(): number; get(i: number): [number, string] };
}

function libraryProbability(lib: Library, line: string): number {
  const p = lib.predict(line, 2, 0);
  for (let i = 0; i < p.size(); i++) {
    const [prob, label] = p.get(i);
    if (label === RECOGNITION_LABEL) return prob;
  }
  return 0;
}

describe("the shipped model read into its linear form", () => {
  let lib: Library;
  const bytes = readFileSync(MODEL);
  const linear = readFastTextLinear(bytes, RECOGNITION_LABEL);
  const texts = readFileSync(VALIDATION, "utf8")
    .trim()
    .split("\n")
    .map((l) => modelText((JSON.parse(l) as { text: string }).text));

  beforeAll(async () => {
    const FastText = await getFastTextClass({ getFastTextModule });
    lib = (await new FastText().loadModel(pathToFileURL(MODEL).href)) as unknown as Library;
  });

  it("gives the library's probability for every validation text and window", () => {
    let compared = 0;
    let worst = 0;
    for (const text of texts) {
      for (const piece of [text, ...modelWindows(text)]) {
        worst = Math.max(
          worst,
          Math.abs(libraryProbability(lib, piece) - linear.probability(piece)),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(3000);
    expect(worst).toBeLessThan(1e-5);
  });

  it("scores overlapping windows from prefix sums as the library scores each window alone", () => {
    let long = 0;
    for (const text of texts) {
      const windows = modelWindows(text);
      if (windows.length < 2) continue;
      long++;
      const expected = Math.max(...windows.map((w) => libraryProbability(lib, w)));
      expect(linear.bestWindow(text, WINDOW, STRIDE)).toBeCloseTo(expected, 5);
    }
    expect(long).toBeGreaterThan(20);
  });

  it("reads non-Latin text, stray labels and end-of-line tokens as fastText does", () => {
    for (const line of [
      "这 个 人 是 谁 ?",
      "кто этот человек на фото",
      "__label__recognition who is this",
      "who is </s> this man",
      "a",
    ]) {
      expect(linear.probability(line)).toBeCloseTo(libraryProbability(lib, line), 5);
    }
  });

  it("refuses what is not a softmax fastText model, saying why", () => {
    expect(() => readFastTextLinear(Buffer.from("not a model at all"), RECOGNITION_LABEL)).toThrow(
      /bad magic number/,
    );
    expect(() => readFastTextLinear(bytes.subarray(0, 4096), RECOGNITION_LABEL)).toThrow(
      /truncated|out of range/i,
    );
    expect(() => readFastTextLinear(bytes, "__label__nothing")).toThrow(/no label/);
  });
});
