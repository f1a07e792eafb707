/**
 * `npm run train:classifier`: trains the purpose model from the data in the repo, reproducibly
 * (fixed seed, one thread), and writes `models/purpose/{model.folded,card.json}` and
 * `data/purpose/validation.jsonl`. docs/classifier.md explains the data and the choices.
 *
 * 1. 10% of the examples (stratified by label, seeded) are set aside as the validation split the
 *    CI test scores the committed model on; the model never trains on them.
 * 2. On the rest, author-grouped 5-fold cross-validation gives every example a score from a model
 *    that never saw its author; the weight of a rule match (`ruleBonus`) and the thresholds of
 *    `possible`, `likely` and `certain` (5%, 2% and 0.5% false positives) are set on those scores,
 *    the rule corpus left out (the rules were written on it).
 * 3. The shipped model is trained on all of the rest.
 *
 * `CV_DUMP=file` writes the cross-validated scores there as JSON (as `npm run cv:classifier` does).
 *
 * Data: every `*.jsonl` under `data/purpose/train/` and the rule corpus under
 * `test/fixtures/purpose-corpus/`. Never the hold-outs, which are scored once and reported.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { NAMES_FILE } from "../src/pipeline/classify-request/purposes/model/personal-names.js";
import {
  MODEL_FILE,
  type ModelCard,
  RECOGNITION_LABEL,
} from "../src/pipeline/classify-request/purposes/model/purpose-model.js";
import {
  auc,
  chooseCombination,
  crossValidate,
  dumpScoresIfAsked,
  rates,
  type Scored,
  scoredBy,
} from "./classifier/cross-validate.js";
import { type Example, rng, shuffle, trainingExamples } from "./classifier/examples.js";
import { ARGS, ENSEMBLE, SEED, trainModel } from "./classifier/fasttext-train.js";
import { gatewayView } from "./classifier/gateway-view.js";
import { NAMES_SOURCE, RARE_IN_CASELESS } from "./classifier/personal-names.js";

const ROOT = resolve(import.meta.dirname, "../..");
const VALIDATION_SHARE = 0.1;

const count = (list: readonly Example[], by: (e: Example) => string) => {
  const out: Record<string, number> = {};
  for (const e of list) out[by(e)] = (out[by(e)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
};

const round = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10000) / 10000]));

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
  const cut = (list: Example[]) => Math.round(list.length * VALIDATION_SHARE);
  const validation = [...positives.slice(0, cut(positives)), ...negatives.slice(0, cut(negatives))];
  const fit = [...positives.slice(cut(positives)), ...negatives.slice(cut(negatives))];

  // TRAIN_ARGS (JSON) overrides arguments for experiments; the committed model uses ARGS.
  const overrides = JSON.parse(process.env["TRAIN_ARGS"] ?? "{}") as Partial<typeof ARGS>;
  const args = { ...ARGS, ...overrides };
  const rulesView = gatewayView(ROOT, undefined);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const scored = await crossValidate(fit, rulesView, overrides, log);
  dumpScoresIfAsked(scored);
  const authored = scored.filter((s) => s.e.source !== "corpus");
  const combination = chooseCombination(authored);

  const { model, save, names } = await trainModel(shuffle([...fit], rng(SEED)), overrides);
  const validationScored: Scored[] = [];
  for (const e of validation) {
    validationScored.push(await scoredBy(model, e, rulesView));
  }

  const dir = join(ROOT, "models/purpose");
  mkdirSync(dir, { recursive: true });
  const bytes = await save();
  writeFileSync(join(dir, MODEL_FILE), bytes);
  writeFileSync(join(dir, NAMES_FILE), `${[...names].sort().join("\n")}\n`);
  const bySource: Record<string, unknown> = {};
  for (const source of [...new Set(scored.map((s) => s.e.source))]) {
    bySource[source] = round(
      rates(
        scored.filter((s) => s.e.source === source),
        combination,
      ),
    );
  }
  const card: ModelCard = {
    seed: SEED,
    thresholds: combination.thresholds,
    ruleBonus: combination.ruleBonus,
    thresholdsByScript: combination.thresholdsByScript ?? {},
    ...(combination.shortText === undefined ? {} : { shortText: combination.shortText }),
    labels: [RECOGNITION_LABEL, "__label__other"],
    library: "fasttext.wasm.js 1.0.0 (fastText supervised), folded (folded-file.ts)",
    ensemble: ENSEMBLE,
    args: { ...args, seed: SEED },
    modelBytes: bytes.length,
    personalNames: {
      file: NAMES_FILE,
      count: names.size,
      source: NAMES_SOURCE,
      rule: `a dataset name is marked when the training texts write it capitalised at least as often as not (or never), or, in scripts without case, when it appears in at most ${RARE_IN_CASELESS} texts`,
    },
    training: {
      examples: fit.length,
      recognition: fit.filter((e) => e.recognition).length,
      byLanguage: count(fit, (e) => e.lang),
      byKind: count(fit, (e) => e.kind),
      sources: count(fit, (e) => e.source),
    },
    crossValidation: {
      note: "author-grouped 5-fold; each score from a model that never saw the author; thresholds set here, rule corpus excluded",
      aucModelAlone: Math.round(auc(authored) * 10000) / 10000,
      authored: round(rates(authored, combination)),
      bySource,
    },
    validation: { examples: validation.length, ...round(rates(validationScored, combination)) },
    trainedInMs: Date.now() - started,
  };
  writeFileSync(join(dir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
  writeFileSync(
    join(ROOT, "data/purpose/validation.jsonl"),
    `${validation
      .map((e) =>
        JSON.stringify({
          text: e.text,
          label: e.recognition ? "recognition" : "other",
          lang: e.lang,
          kind: e.kind,
          source: e.source,
        }),
      )
      .join("\n")}\n`,
  );
  console.log(
    JSON.stringify(
      {
        combination,
        crossValidation: card["crossValidation"],
        validation: card["validation"],
        modelBytes: bytes.length,
        trainedInMs: card["trainedInMs"],
      },
      null,
      2,
    ),
  );
}

await main();
