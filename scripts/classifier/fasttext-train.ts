/**
 * Trains one fastText supervised model on examples, in a fresh WebAssembly instance each time
 * (fasttext.wasm.js 1.0.0 answers with the first model's weights when a second one is trained or
 * loaded in the same instance).
 */
import { getFastTextClass, getFastTextModule } from "fasttext.wasm.js";
import {
  FastTextLinear,
  type Folded,
  readFastTextBinary,
} from "../../src/pipeline/classify-request/purposes/model/fasttext-linear.js";
import {
  averageFolded,
  writeFolded,
} from "../../src/pipeline/classify-request/purposes/model/folded-file.js";
import { modelWords } from "../../src/pipeline/classify-request/purposes/model/model-text.js";
import {
  markPersonalNames,
  NO_NAMES,
} from "../../src/pipeline/classify-request/purposes/model/personal-names.js";
import {
  type ModelCard,
  modelWindows,
  PurposeModel,
  RECOGNITION_LABEL,
} from "../../src/pipeline/classify-request/purposes/model/purpose-model.js";
import { type Example, rng, shuffle } from "./examples.js";
import { personalNames } from "./personal-names.js";

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
  wordNgrams: 3,
  loss: "softmax",
  model: "supervised",
  bucket: 1_000_000,
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
  /** The personal names it marks (`names.txt`, one per line, sorted). */
  names: ReadonlySet<string>;
}

/**
 * The training lines of one example: the text whole, and for a long text that asks for nothing,
 * each window the gateway would score on its own (a paragraph of a memo about facial recognition
 * is not an ask either). A long ask's windows are not added: only one of them holds the ask.
 */
export function trainingLines(e: Example, names: ReadonlySet<string> = NO_NAMES): string[] {
  const text = markPersonalNames(modelWords(e.text), names).join(" ");
  if (e.recognition) return [`${RECOGNITION_LABEL} ${text}`];
  const windows = modelWindows(text);
  const lines = [`__label__other ${text}`];
  if (windows.length > 1 && process.env["NO_NEGATIVE_WINDOWS"] === undefined) {
    for (const w of windows) lines.push(`__label__other ${w}`);
  }
  return lines;
}

/**
 * How many models the shipped one averages: each trained with its own seed on its own order of
 * the same examples; their average (folded-file.ts) costs what one model costs to run. One, unless
 * the `ENSEMBLE` environment variable says otherwise (for experiments).
 */
export const ENSEMBLE = Number(process.env["ENSEMBLE"] ?? 1);

/**
 * Trains on `examples` (the first model in the given order, each further one in an order
 * shuffled with its own seed) with `args` over {@link ARGS}; `members` models averaged. The
 * personal names it marks are chosen from these examples alone (personal-names.ts), so a
 * cross-validation fold never learns from its held-out authors' spelling; `NO_NAMES=1` in the
 * environment trains without them (for experiments).
 */
export async function trainModel(
  examples: readonly Example[],
  args: Partial<typeof ARGS> = {},
  members = ENSEMBLE,
): Promise<Trained> {
  const names = process.env["NO_NAMES"] === undefined ? personalNames(examples) : NO_NAMES;
  const folded: Folded[] = [];
  for (let k = 0; k < members; k++) {
    const order = k === 0 ? examples : shuffle([...examples], rng(SEED + k));
    folded.push(await trainOne(order, { ...args, seed: SEED + k }, names));
  }
  const model = folded.length === 1 ? folded[0]! : averageFolded(folded);
  const card: ModelCard = {
    seed: SEED,
    thresholds: { possible: 0, likely: 0, certain: 0 },
    ruleBonus: 0,
    labels: [],
  };
  return {
    model: new PurposeModel(new FastTextLinear(model), card, names),
    save: async () => writeFolded(model),
    names,
  };
}

/** One fastText training, in a fresh WebAssembly instance, read back into its folded form. */
async function trainOne(
  examples: readonly Example[],
  args: Partial<typeof ARGS>,
  names: ReadonlySet<string>,
): Promise<Folded> {
  const FastText = await getFastTextClass({ getFastTextModule });
  const ft = new FastText();
  const text = `${examples.flatMap((e) => trainingLines(e, names)).join("\n")}\n`;
  const url = `data:text/plain;base64,${Buffer.from(text).toString("base64")}`;
  const trained = (await ft.trainSupervised(url, { ...ARGS, ...args }, () => {})) as {
    saveModel(): Blob;
  };
  const bytes = Buffer.from(await trained.saveModel().arrayBuffer());
  return readFastTextBinary(bytes, RECOGNITION_LABEL).folded;
}
