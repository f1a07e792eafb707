/**
 * Trains one fastText supervised model on examples, in a fresh WebAssembly instance each time
 * (fasttext.wasm.js 1.0.0 answers with the first model's weights when a second one is trained or
 * loaded in the same instance).
 */
import { getFastTextClass, getFastTextModule } from "fasttext.wasm.js";
import { readFastTextLinear } from "../../src/pipeline/classify-request/purposes/model/fasttext-linear.js";
import { modelText } from "../../src/pipeline/classify-request/purposes/model/model-text.js";
import {
  type ModelCard,
  modelWindows,
  PurposeModel,
  RECOGNITION_LABEL,
} from "../../src/pipeline/classify-request/purposes/model/purpose-model.js";
import type { Example } from "./examples.js";

/** The seed of every training run. */
export const SEED = 20261201;

/** fastText's supervised arguments, all given (fasttext.wasm.js needs every one). */
export const ARGS = {
  lr: 0.1,
  lrUpdateRate: 100,
  dim: 16,
  ws: 5,
  epoch: 10,
  minCount: 1,
  minCountLabel: 0,
  neg: 5,
  wordNgrams: 2,
  loss: "softmax",
  model: "supervised",
  bucket: 200_000,
  minn: 4,
  maxn: 5,
  thread: 1,
  t: 0.0001,
  label: "__label__",
  verbose: 0,
  pretrainedVectors: "",
  saveOutput: false,
  seed: SEED,
  qout: false,
  retrain: false,
  qnorm: false,
  cutoff: 0,
  dsub: 2,
  autotuneValidationFile: "",
  autotuneMetric: "f1",
  autotunePredictions: 1,
  autotuneDuration: 300,
  autotuneModelSize: "",
};

/** A trained model, usable at once, and a way to get its bytes. */
export interface Trained {
  model: PurposeModel;
  save(): Promise<Buffer>;
}

/**
 * The training lines of one example: the text whole, and for a long text that asks for nothing,
 * each window the gateway would score on its own (a paragraph of a memo about facial recognition
 * is not an ask either). A long ask's windows are not added: only one of them holds the ask.
 */
export function trainingLines(e: Example): string[] {
  const text = modelText(e.text);
  if (e.recognition) return [`${RECOGNITION_LABEL} ${text}`];
  const windows = modelWindows(text);
  const lines = [`__label__other ${text}`];
  if (windows.length > 1 && process.env["NO_NEGATIVE_WINDOWS"] === undefined) {
    for (const w of windows) lines.push(`__label__other ${w}`);
  }
  return lines;
}

/** Trains on `examples` (in the given order) with `args` over {@link ARGS}. */
export async function trainModel(
  examples: readonly Example[],
  args: Partial<typeof ARGS> = {},
): Promise<Trained> {
  const FastText = await getFastTextClass({ getFastTextModule });
  const ft = new FastText();
  const text = `${examples.flatMap(trainingLines).join("\n")}\n`;
  const url = `data:text/plain;base64,${Buffer.from(text).toString("base64")}`;
  const trained = (await ft.trainSupervised(url, { ...ARGS, ...args }, () => {})) as {
    saveModel(): Blob;
  };
  // Scored as the gateway scores it: the saved bytes read into their linear form.
  const bytes = Buffer.from(await trained.saveModel().arrayBuffer());
  const card: ModelCard = {
    seed: SEED,
    thresholds: { possible: 0, likely: 0, certain: 0 },
    ruleBonus: 0,
    labels: [],
  };
  return {
    model: new PurposeModel(readFastTextLinear(bytes, RECOGNITION_LABEL), card),
    save: async () => bytes,
  };
}
