/**
 * The rule table of docs/classifier.md, rendered from `RULES` (rule-table.ts) and spliced between
 * two marker comments. Shared by `npm run docs:rules`, which writes it, and the unit test that
 * fails while the doc differs from it.
 */
import { RULES, type RuleRow } from "../src/pipeline/classify-request/purposes/rule-table.js";

/** The comment that opens the generated section. */
export const BEGIN =
  "<!-- rule table: generated from src/pipeline/classify-request/purposes/rule-table.ts by `npm run docs:rules`; edit it there -->";
/** The comment that closes it. */
export const END = "<!-- end of rule table -->";

/** One table cell: no line breaks, `|` escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

/**
 * Columns as wide as a terminal shows them (CJK and Hangul take two), which is how the formatter
 * (`biome format`, which formats docs/ too) pads tables, so the section needs no reformatting.
 */
function width(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (/\p{M}/u.test(ch)) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd);
    n += wide ? 2 : 1;
  }
  return n;
}

/** The markdown table of the rules, markers included. */
export function renderRuleTable(rows: readonly RuleRow[] = RULES): string {
  const body = rows.map((r) => {
    const dot = r.id.indexOf(".");
    const id = `${r.id.slice(0, dot)}.<l>.${r.id.slice(dot + 1)}`;
    return [`\`${id}\``, `\`${r.purpose}\``, cell(r.example), cell(r.applies)];
  });
  const head = ["rule", "purpose", "example", "applies"];
  const widths = head.map((h, i) => Math.max(3, width(h), ...body.map((b) => width(b[i]!))));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + " ".repeat(widths[i]! - width(c))).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [BEGIN, "", line(head), rule, ...body.map(line), "", END].join("\n");
}

/** `doc` with its generated section replaced by `table`; throws when the markers are missing. */
export function withRuleTable(doc: string, table: string = renderRuleTable()): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`docs/classifier.md has no rule table markers (${BEGIN} … ${END})`);
  }
  return doc.slice(0, start) + table + doc.slice(end + END.length);
}
