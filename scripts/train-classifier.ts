/**
 * `npm run train:classifier`: trains the purpose model from the data in the repo, reproducibly
 * (fixed seed, one thread), calibrates its thresholds on a calibration split it never trained on,
 * and writes `models/purpose/{model.bin,card.json}` and `data/purpose/calibration.jsonl` (the
 * split, which the CI test scores). docs/classifier.md explains the data and the choices.
 *
 * Data: every `*.jsonl` under `data/purpose/train/` (`{text, label: "recognition"|"other", lang,
 * kind}`) and the rule corpus under `test/fixtures/purpose-corpus/` (`{text, recognition, lang}`,
 * its old hold-outs included: they were tuned on, so they are training data now). Never the
 * hold-outs under `data/purpose/holdout/`, which are scored once and reported.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ModelCard } from "../src/pipeline/classify-request/purposes/model/purpose-model.js";
import { RECOGNITION_LABEL } from "../src/pipeline/classify-request/purposes/model/purpose-model.js";
import {
  type Example,
  rng,
  shuffle,
  thresholdForFpr,
  trainingExamples,
} from "./classifier/examples.js";
import { ARGS, SEED, trainModel } from "./classifier/fasttext-train.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CALIBRATION_SHARE = 0.15;

async function main(): Promise<void> {
  const started = Date.now();
  const all = trainingExamples(ROOT);
  const random = rng(SEED);
  const positives = shuffle(
    all.filter((e) => e.recognition),
    random,
  );
  const negatives = shuffle(
    all.filter((e) => !e.recognition),
    random,
  );
  const cut = (list: Example[]) => Math.round(list.length * CALIBRATION_SHARE);
  const calibration = [
    ...positives.slice(0, cut(positives)),
    ...negatives.slice(0, cut(negatives)),
  ];
  const training = shuffle(
    [...positives.slice(cut(positives)), ...negatives.slice(cut(negatives))],
    random,
  );

  // TRAIN_ARGS (JSON) overrides arguments for experiments; the committed model uses ARGS.
  const overrides = JSON.parse(process.env["TRAIN_ARGS"] ?? "{}") as Partial<typeof ARGS>;
  const args = { ...ARGS, ...overrides };
  const { model, save } = await trainModel(training, overrides);

  const posScores = calibration.filter((e) => e.recognition).map((e) => model.score(e.text));
  const negScores = calibration.filter((e) => !e.recognition).map((e) => model.score(e.text));
  // `possible` is what the absolute ban sees: as much recall as a 5% false-positive budget allows
  // ("possible" must not mean "has a person in it"); `likely` and `certain` tighter.
  const thresholds = {
    possible: thresholdForFpr(negScores, 0.05),
    likely: thresholdForFpr(negScores, 0.02),
    certain: thresholdForFpr(negScores, 0.005),
  };
  thresholds.likely = Math.max(thresholds.likely, thresholds.possible);
  thresholds.certain = Math.max(thresholds.certain, thresholds.likely);
  const rate = (scores: number[], t: number) => scores.filter((s) => s >= t).length / scores.length;

  const dir = join(ROOT, "models/purpose");
  mkdirSync(dir, { recursive: true });
  const bytes = await save();
  writeFileSync(join(dir, "model.bin"), bytes);
  const count = (list: Example[], by: (e: Example) => string) => {
    const out: Record<string, number> = {};
    for (const e of list) out[by(e)] = (out[by(e)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(out).sort());
  };
  const card: ModelCard = {
    seed: SEED,
    thresholds,
    labels: [RECOGNITION_LABEL, "__label__other"],
    library: "fasttext.wasm.js 1.0.0 (fastText supervised)",
    args: { ...args, seed: SEED },
    modelBytes: bytes.length,
    training: {
      examples: training.length,
      recognition: training.filter((e) => e.recognition).length,
      byLanguage: count(training, (e) => e.lang),
      byKind: count(training, (e) => e.kind),
      sources: count(training, (e) => e.source),
    },
    calibration: {
      examples: calibration.length,
      recallAtPossible: rate(posScores, thresholds.possible),
      recallAtLikely: rate(posScores, thresholds.likely),
      recallAtCertain: rate(posScores, thresholds.certain),
      fprAtPossible: rate(negScores, thresholds.possible),
      fprAtLikely: rate(negScores, thresholds.likely),
      fprAtCertain: rate(negScores, thresholds.certain),
    },
    trainedInMs: Date.now() - started,
  };
  writeFileSync(join(dir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
  writeFileSync(
    join(ROOT, "data/purpose/calibration.jsonl"),
    calibration
      .map((e) =>
        JSON.stringify({
          text: e.text,
          label: e.recognition ? "recognition" : "other",
          lang: e.lang,
          kind: e.kind,
        }),
      )
      .join("\n") + "\n",
  );
  console.log(
    JSON.stringify(
      {
        thresholds,
        calibration: card.calibration,
        modelBytes: bytes.length,
        trainedInMs: card.trainedInMs,
      },
      null,
      2,
    ),
  );
}

await main();
