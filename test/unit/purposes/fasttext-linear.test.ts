/**
 * The gateway predicts with fastText models folded into one number per row (fasttext-linear.ts)
 * instead of through fasttext.wasm.js: a model trained here by the library must give the
 * library's probabilities on every text of the committed validation set, whole and in the windows
 * the gateway scores; written to the shipped file format and read back, and averaged with itself,
 * it must not change.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getFastTextClass, getFastTextModule } from "fasttext.wasm.js";
import { beforeAll, describe, expect, it } from "vitest";
import { readJsonl } from "../../../scripts/classifier/examples.js";
import { ARGS, trainingLines } from "../../../scripts/classifier/fasttext-train.js";
import {
  asFastTextWords,
  FastTextLinear,
  readFastTextBinary,
} from "../../../src/pipeline/classify-request/purposes/model/fasttext-linear.js";
import {
  averageFolded,
  readFolded,
  writeFolded,
} from "../../../src/pipeline/classify-request/purposes/model/folded-file.js";
import {
  modelText,
  modelWords,
} from "../../../src/pipeline/classify-request/purposes/model/model-text.js";
import {
  modelWindows,
  RECOGNITION_LABEL,
  STRIDE,
  WINDOW,
} from "../../../src/pipeline/classify-request/purposes/model/purpose-model.js";

const ROOT = join(import.meta.dirname, "../../..");
const VALIDATION = join(ROOT, "data/purpose/validation.jsonl");
/** Two authors' prompts: enough for a model with a real vocabulary, trained in about a second. */
const TRAINING = ["author-a", "author-t"].flatMap((a) =>
  readJsonl(join(ROOT, `data/purpose/train/${a}.jsonl`), a),
);

interface Library {
  predict(text: string, k: number, t: number): { size(): number; get(i: number): [number, string] };
  saveModel(): Blob;
}

function libraryProbability(lib: Library, line: string): number {
  const p = lib.predict(line, 2, 0);
  for (let i = 0; i < p.size(); i++) {
    const [prob, label] = p.get(i);
    if (label === RECOGNITION_LABEL) return prob;
  }
  return 0;
}

describe("a fastText model read into its linear form", () => {
  let lib: Library;
  let bytes: Buffer;
  let linear: FastTextLinear;
  const texts = readFileSync(VALIDATION, "utf8")
    .trim()
    .split("\n")
    .map((l) => modelText((JSON.parse(l) as { text: string }).text));

  beforeAll(async () => {
    const FastText = await getFastTextClass({ getFastTextModule });
    const text = `${TRAINING.flatMap((e) => trainingLines(e)).join("\n")}\n`;
    const url = `data:text/plain;base64,${Buffer.from(text).toString("base64")}`;
    lib = (await new FastText().trainSupervised(url, ARGS, () => {})) as unknown as Library;
    bytes = Buffer.from(await lib.saveModel().arrayBuffer());
    linear = readFastTextBinary(bytes, RECOGNITION_LABEL);
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

  it("scores a list of model words as the line they join into", () => {
    const raws = [
      ...readFileSync(VALIDATION, "utf8")
        .trim()
        .split("\n")
        .slice(0, 400)
        .map((l) => (JSON.parse(l) as { text: string }).text),
      "who\0is this man",
      "x</s>y who is this",
    ];
    for (const raw of raws) {
      const words = asFastTextWords(modelWords(raw));
      const line = modelText(raw);
      if (line === "") continue;
      expect(linear.bestWindowOf(words, WINDOW, STRIDE)).toBe(
        linear.bestWindow(line, WINDOW, STRIDE),
      );
    }
    expect(asFastTextWords(["who\0is", "this"])).toEqual(["who", "is", "this"]);
  });

  it("writes the shipped file and reads it back unchanged; averaged with itself, it stays", () => {
    const file = writeFolded(linear.folded);
    const back = new FastTextLinear(readFolded(file));
    const twice = new FastTextLinear(averageFolded([linear.folded, linear.folded]));
    for (const text of texts.slice(0, 300)) {
      expect(back.probability(text)).toBe(linear.probability(text));
      expect(twice.probability(text)).toBeCloseTo(linear.probability(text), 6);
    }
    expect(() => readFolded(file.subarray(0, file.length - 4))).toThrow(/truncated or damaged/);
    expect(() => readFolded(bytes)).toThrow(/not a folded purpose model/);
  });

  it("refuses what is not a softmax fastText model, saying why", () => {
    expect(() => readFastTextBinary(Buffer.from("not a model at all"), RECOGNITION_LABEL)).toThrow(
      /bad magic number/,
    );
    expect(() => readFastTextBinary(bytes.subarray(0, 4096), RECOGNITION_LABEL)).toThrow(
      /truncated|out of range/i,
    );
    expect(() => readFastTextBinary(bytes, "__label__nothing")).toThrow(/no label/);
  });
});
