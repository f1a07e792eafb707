/**
 * `npm run score:holdout -- [--rules] FILE...`: scores hold-out sets the way the gateway judges a request
 * with an image in play (rules, model, unreadable scripts, terse asks; body walked as a chat call
 * with one image URL), and prints recall and false-positive rate at `possible` (what the absolute
 * ban denies on) and at `likely` (the other rules), per language and per kind, with Wilson 95%
 * intervals. A hold-out is scored once and reported; after that it is training data
 * (docs/classifier.md).
 */
import { resolve } from "node:path";
import { ensurePurposeModel } from "../src/pipeline/classify-request/purposes/model/shipped.js";
import { readJsonl, wilson } from "./classifier/examples.js";
import { gatewayView } from "./classifier/gateway-view.js";

const ROOT = resolve(import.meta.dirname, "../..");

interface Row {
  text: string;
  positive: boolean;
  lang: string;
  kind: string;
}

const fmt = (k: number, n: number) => {
  const [lo, hi] = wilson(k, n);
  return n === 0 ? "-" : `${(k / n).toFixed(3)} [${lo.toFixed(2)}-${hi.toFixed(2)}] (${k}/${n})`;
};

async function main(): Promise<void> {
  // `--rules`: the rules alone, as the gateway runs with `classification.purposeModel: off`.
  const rulesOnly = process.argv.includes("--rules");
  const files = process.argv.slice(2).filter((a) => a !== "--rules");
  const model = rulesOnly ? undefined : await ensurePurposeModel();
  const view = gatewayView(ROOT, model);
  for (const file of files) {
    const rows: Row[] = readJsonl(file, file).map((e) => ({
      text: e.text,
      positive: e.recognition,
      lang: e.lang,
      kind: e.kind,
    }));
    const levels: { row: Row; level: string }[] = [];
    for (const row of rows) levels.push({ row, level: await view(row.text) });
    const at = (l: string, level: "possible" | "likely") =>
      level === "possible" ? l !== "none" : l === "likely" || l === "certain";
    const report = (name: string, subset: { row: Row; level: string }[]) => {
      const pos = subset.filter((x) => x.row.positive);
      const neg = subset.filter((x) => !x.row.positive);
      const k = (list: typeof subset, level: "possible" | "likely") =>
        list.filter((x) => at(x.level, level)).length;
      return `| ${name} | ${fmt(k(pos, "possible"), pos.length)} | ${fmt(k(neg, "possible"), neg.length)} | ${fmt(k(pos, "likely"), pos.length)} | ${fmt(k(neg, "likely"), neg.length)} |`;
    };
    const out = [
      // The heading RESULTS.md gives each set of a round, so the output drops in as it is.
      `### ${file.slice(file.lastIndexOf("/") + 1)} (${rows.length} prompts) : ${rulesOnly ? "rules alone" : "rules + model"}`,
      "",
      "| subset | recall at possible | FPR at possible | recall at likely | FPR at likely |",
      "| --- | --- | --- | --- | --- |",
      report("all", levels),
    ];
    for (const key of ["lang", "kind"] as const) {
      const values = [...new Set(rows.map((r) => r[key]))].sort();
      for (const v of values)
        out.push(
          report(
            `${key}=${v}`,
            levels.filter((x) => x.row[key] === v),
          ),
        );
    }
    const misses = levels.filter((x) => x.row.positive && x.level === "none").slice(0, 12);
    const alarms = levels.filter((x) => !x.row.positive && at(x.level, "likely")).slice(0, 12);
    const maybes = levels.filter((x) => !x.row.positive && x.level === "possible").slice(0, 12);
    out.push(
      "",
      "Missed (first 12):",
      ...misses.map((x) => `- [${x.row.lang}/${x.row.kind}] ${x.row.text.slice(0, 140)}`),
    );
    out.push(
      "",
      "False alarms at likely (first 12):",
      ...alarms.map((x) => `- [${x.row.lang}/${x.row.kind}] ${x.row.text.slice(0, 140)}`),
      "",
      "False alarms at possible only (first 12):",
      ...maybes.map((x) => `- [${x.row.lang}/${x.row.kind}] ${x.row.text.slice(0, 140)}`),
    );
    console.log(out.join("\n"));
  }
}

await main();
