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
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { getFastTextClass, getFastTextModule } from "fasttext.wasm.js";
import { modelText } from "../src/pipeline/classify-request/purposes/model/model-text.js";
import {
  type ModelCard,
  PurposeModel,
  RECOGNITION_LABEL,
} from "../src/pipeline/classify-request/purposes/model/purpose-model.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SEED = 20261201;
const CALIBRATION_SHARE = 0.15;

/** fastText's supervised arguments, all given (fasttext.wasm.js needs every one). */
const ARGS = {
  lr: 0.5,
  lrUpdateRate: 100,
  dim: 16,
  ws: 5,
  epoch: 15,
  minCount: 1,
  minCountLabel: 0,
  neg: 5,
  wordNgrams: 3,
  loss: "softmax",
  model: "supervised",
  bucket: 50_000,
  minn: 3,
  maxn: 6,
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

interface Example {
  text: string;
  recognition: boolean;
  lang: string;
  kind: string;
  source: string;
}

function readJsonl(file: string, source: string): Example[] {
  const out: Example[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    const text = o["text"];
    if (typeof text !== "string" || text.trim() === "") continue;
    const recognition =
      typeof o["recognition"] === "boolean" ? o["recognition"] : o["label"] === "recognition";
    out.push({
      text,
      recognition,
      lang: typeof o["lang"] === "string" ? o["lang"] : "?",
      kind: typeof o["kind"] === "string" ? o["kind"] : "plain",
      source,
    });
  }
  return out;
}

function jsonlFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** mulberry32: a small seeded generator, so the split is the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** The lowest threshold whose false-positive rate on `negatives` is at most `fpr`. */
function thresholdForFpr(negatives: number[], fpr: number): number {
  const sorted = [...negatives].sort((a, b) => b - a);
  const allowed = Math.floor(sorted.length * fpr);
  return Math.min(0.999, (sorted[allowed] ?? 0) + 1e-6);
}

async function main(): Promise<void> {
  const started = Date.now();
  const files = [
    ...jsonlFiles(join(ROOT, "data/purpose/train")),
    ...jsonlFiles(join(ROOT, "test/fixtures/purpose-corpus")),
  ];
  const seen = new Set<string>();
  const all: Example[] = [];
  for (const f of files) {
    for (const e of readJsonl(f, f.slice(ROOT.length + 1))) {
      const key = modelText(e.text);
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(e);
    }
  }
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

  const lines = training.map(
    (e) => `${e.recognition ? RECOGNITION_LABEL : "__label__other"} ${modelText(e.text)}`,
  );
  const FastText = await getFastTextClass({ getFastTextModule });
  const ft = new FastText();
  const url = `data:text/plain;base64,${Buffer.from(`${lines.join("\n")}\n`).toString("base64")}`;
  // TRAIN_ARGS (JSON) overrides arguments for experiments; the committed model uses ARGS.
  const args = { ...ARGS, ...(JSON.parse(process.env["TRAIN_ARGS"] ?? "{}") as object) };
  const trained = (await ft.trainSupervised(url, args, () => {})) as {
    saveModel(): Blob;
  };
  const model = new PurposeModel(trained as never, {
    seed: SEED,
    thresholds: { possible: 0, likely: 0, certain: 0 },
    labels: [],
  });

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
  const bytes = Buffer.from(await trained.saveModel().arrayBuffer());
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
