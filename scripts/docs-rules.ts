/**
 * `npm run docs:rules`: rewrites the rule table of docs/classifier.md from `RULES`
 * (src/pipeline/classify-request/purposes/rule-table.ts). Run it after changing the table; the
 * rule-table unit test fails until the doc matches.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { withRuleTable } from "./rule-table-doc.js";

const file = resolve(import.meta.dirname, "../..", "docs/classifier.md");
const before = readFileSync(file, "utf8");
const after = withRuleTable(before);
if (after === before) console.log("docs/classifier.md: rule table up to date");
else {
  writeFileSync(file, after);
  console.log("docs/classifier.md: rule table rewritten");
}
