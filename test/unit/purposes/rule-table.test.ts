import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BEGIN, END, renderRuleTable } from "../../../scripts/rule-table-doc.js";
import { detectPurposes } from "../../../src/pipeline/classify-request/purposes/index.js";
import { RULES } from "../../../src/pipeline/classify-request/purposes/rule-table.js";

const ROOT = join(import.meta.dirname, "../../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** `fid.en.who-is` → `fid.who-is`. */
const withoutLang = (rule: string) => rule.replace(/^([a-z]+)\.[a-z]+\./, "$1.");

describe("rule table", () => {
  it("lists every rule id rules.ts emits, and no other", () => {
    // Every id is a string literal in rules.ts (`emit("fid.who-is")`); tsc rejects any id that is
    // not in the table, this catches table rows no code emits.
    const source = read("src/pipeline/classify-request/purposes/rules.ts");
    const emitted = new Set(
      [...source.matchAll(/"([a-z]+\.[a-z]+(?:-[a-z]+)*)"/g)].map((m) => m[1]),
    );
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...emitted].sort()).toEqual([...ids].sort());
  });

  it("fires each rule on its example, with the table's purpose", () => {
    for (const row of RULES) {
      const { evidence } = detectPurposes([{ where: "example", text: row.example }]);
      const hit = evidence.find((e) => withoutLang(e.rule) === row.id);
      expect(hit, `${row.id}: ${row.example}`).toBeDefined();
      expect(hit?.purpose, row.id).toBe(row.purpose);
    }
  });

  it("is the rule table of docs/classifier.md (npm run docs:rules rewrites it)", () => {
    const doc = read("docs/classifier.md");
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, "the opening marker").toBeGreaterThanOrEqual(0);
    expect(end, "the closing marker, after it").toBeGreaterThan(start);
    const section = doc.slice(start, end + END.length);
    // Cell by cell: padding is the formatter's business (`npx biome check` checks it).
    expect(cells(section)).toEqual(cells(renderRuleTable()));
    expect(cells(section)).toHaveLength(RULES.length + 2);
  });

  it("escapes what would break a markdown row", () => {
    const row = { id: "x.y", purpose: "face-analysis", example: "a | b", applies: "c\nd" } as const;
    expect(cells(renderRuleTable([row]))[2]).toEqual([
      "`x.<l>.y`",
      "`face-analysis`",
      "a \\| b",
      "c d",
    ]);
  });
});

/** The cells of every row of a markdown table, trimmed; a separator row reads `---`. */
function cells(table: string): string[][] {
  return table
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/^-+$/, "---")),
    );
}
