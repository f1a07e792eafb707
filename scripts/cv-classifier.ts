/**
 * `npm run cv:classifier`: author-grouped cross-validation of the purpose model, the honest
 * way to compare arguments and data without touching a hold-out (scripts/classifier/
 * cross-validate.ts). Prints the model's pooled AUC and the gateway's recall and false-positive
 * rate with the model on, at the combination training would choose, per source and per language.
 * `TRAIN_ARGS` (JSON) overrides fastText arguments; `CV_DUMP` (a path) writes every scored example
 * there as JSON, to study thresholds without training again.
 */
import { resolve } from "node:path";
import {
  auc,
  chooseCombination,
  crossValidate,
  dumpScoresIfAsked,
  rates,
  type Scored,
} from "./classifier/cross-validate.js";
import { trainingExamples } from "./classifier/examples.js";
import { gatewayView } from "./classifier/gateway-view.js";

const ROOT = resolve(import.meta.dirname, "../..");

async function main(): Promise<void> {
  const all = trainingExamples(ROOT);
  const args = JSON.parse(process.env["TRAIN_ARGS"] ?? "{}") as object;
  const scored = await crossValidate(all, gatewayView(ROOT, undefined), args, (l) =>
    process.stderr.write(`${l}\n`),
  );
  dumpScoresIfAsked(scored);
  const authored = scored.filter((s) => s.e.source !== "corpus");
  const c = chooseCombination(authored);
  const row = (name: string, list: readonly Scored[]) => {
    const r = rates(list, c);
    const f = (x: number) => x.toFixed(3);
    return `| ${name} | ${r.positives}/${r.negatives} | ${f(r.recallAtPossible)} | ${f(r.fprAtPossible)} | ${f(r.recallAtLikely)} | ${f(r.fprAtLikely)} |`;
  };
  const out = [
    `AUC of the model alone (authored sources): ${auc(authored).toFixed(4)}`,
    `combination: ${JSON.stringify(c)}`,
    "",
    "| subset | pos/neg | recall@possible | FPR@possible | recall@likely | FPR@likely |",
    "| --- | --- | --- | --- | --- | --- |",
    row("authored", authored),
  ];
  for (const s of [...new Set(scored.map((x) => x.e.source))]) {
    out.push(
      row(
        `source=${s}`,
        scored.filter((x) => x.e.source === s),
      ),
    );
  }
  for (const l of [...new Set(authored.map((s) => s.e.lang))].sort()) {
    const list = authored.filter((x) => x.e.lang === l);
    if (list.length >= 20) out.push(row(`lang=${l}`, list));
  }
  console.log(out.join("\n"));
}

await main();
