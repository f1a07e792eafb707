/**
 * `npm run cv:classifier`: leave-one-author-out cross-validation of the purpose model, the honest
 * way to choose its arguments and thresholds without touching a hold-out: for each source (one
 * author's file, or the rule corpus) a model is trained on every other source and scores the one
 * left out, so every score comes from a model that never saw that author. Prints the pooled
 * AUC, and recall and false-positive rate of the gateway's view (rules, scripts, model) at
 * thresholds set on those out-of-author scores, per source and per language.
 * `TRAIN_ARGS` (JSON) overrides fastText arguments for an experiment.
 */
import { resolve } from "node:path";
import {
  type Example,
  rng,
  shuffle,
  thresholdForFpr,
  trainingExamples,
} from "./classifier/examples.js";
import { SEED, trainModel } from "./classifier/fasttext-train.js";
import { gatewayView } from "./classifier/gateway-view.js";

const ROOT = resolve(import.meta.dirname, "../..");

interface Scored {
  e: Example;
  /** Model probability, from a model that never saw this example's author. */
  p: number;
  /** The gateway's view without the model (rules, terse asks, scripts). */
  rules: string;
}

function auc(scored: readonly Scored[]): number {
  const sorted = [...scored].sort((a, b) => a.p - b.p);
  let rankSum = 0;
  let pos = 0;
  sorted.forEach((s, i) => {
    if (s.e.recognition) {
      rankSum += i + 1;
      pos++;
    }
  });
  const neg = sorted.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

async function main(): Promise<void> {
  const all = trainingExamples(ROOT);
  const args = JSON.parse(process.env["TRAIN_ARGS"] ?? "{}") as object;
  const only = process.env["CV_SOURCES"]?.split(",");
  const sources = [...new Set(all.map((e) => e.source))].filter(
    (s) => only === undefined || only.includes(s),
  );
  const rulesView = gatewayView(ROOT, undefined);
  const scored: Scored[] = [];
  for (const source of sources) {
    const train = shuffle(
      all.filter((e) => e.source !== source),
      rng(SEED),
    );
    const { model } = await trainModel(train, args);
    for (const e of all.filter((x) => x.source === source)) {
      scored.push({ e, p: model.score(e.text), rules: await rulesView(e.text) });
    }
    process.stderr.write(`${source}: ${all.filter((x) => x.source === source).length}\n`);
  }
  const negatives = scored.filter((s) => !s.e.recognition).map((s) => s.p);
  const t = {
    possible: thresholdForFpr(negatives, Number(process.env["FPR_POSSIBLE"] ?? 0.05)),
    likely: thresholdForFpr(negatives, Number(process.env["FPR_LIKELY"] ?? 0.02)),
  };
  const atPossible = (s: Scored) => s.rules !== "none" || s.p >= t.possible;
  const atLikely = (s: Scored) => s.rules === "likely" || s.rules === "certain" || s.p >= t.likely;
  const modelAtPossible = (s: Scored) => s.p >= t.possible;
  const row = (name: string, list: Scored[]) => {
    const pos = list.filter((s) => s.e.recognition);
    const neg = list.filter((s) => !s.e.recognition);
    const r = (f: (s: Scored) => boolean, l: Scored[]) =>
      l.length === 0 ? "-" : (l.filter(f).length / l.length).toFixed(3);
    return `| ${name} | ${pos.length}/${neg.length} | ${r(modelAtPossible, pos)} | ${r(modelAtPossible, neg)} | ${r(atPossible, pos)} | ${r(atPossible, neg)} | ${r(atLikely, pos)} | ${r(atLikely, neg)} |`;
  };
  const out = [
    `pooled AUC (model alone): ${auc(scored).toFixed(4)}; thresholds ${JSON.stringify(t)}`,
    "",
    "| subset | pos/neg | model recall@possible | model FPR@possible | gateway recall@possible | gateway FPR@possible | gateway recall@likely | gateway FPR@likely |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    row("all", scored),
  ];
  for (const s of sources)
    out.push(
      row(
        `source=${s}`,
        scored.filter((x) => x.e.source === s),
      ),
    );
  const langs = [...new Set(scored.map((s) => s.e.lang))].sort();
  for (const l of langs) {
    const list = scored.filter((x) => x.e.lang === l);
    if (list.length >= 20) out.push(row(`lang=${l}`, list));
  }
  console.log(out.join("\n"));
}

await main();
