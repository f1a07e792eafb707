/**
 * Cost of the classifier, in CPU time per call (process.cpuUsage, so a loaded machine's waiting
 * does not count). Prints the figures; fails only on gross regressions (10x the targets of
 * docs/classifier.md), so it stays quiet on a busy CI machine.
 */
import { describe, expect, it } from "vitest";
import type { TextSource } from "../../../src/pipeline/classify-request/facts.js";
import {
  detectPurposes,
  mayMatter,
} from "../../../src/pipeline/classify-request/purposes/index.js";
import { loadCorpus } from "./corpus-loader.js";

const PARA =
  "The quarterly report shows that revenue grew by eight percent while operating costs remained flat. Our team expects the new pricing model to improve margins next year, although supply chain delays may still affect delivery times in some regions. ";
const repeat = (n: number): string => PARA.repeat(Math.ceil(n / PARA.length)).slice(0, n);
const one = (text: string): TextSource[] => [{ where: "messages[0].content", text }];

/** name, texts, target in µs (the figure the docs promise), gross-regression bound = 10x. */
const CASES: [string, TextSource[], number][] = [
  ["short neutral", one("Say hello"), 2],
  [
    "typical neutral (185 chars)",
    [
      {
        where: "messages[0].content",
        text: "You are a helpful assistant that answers questions about our product catalogue.",
      },
      {
        where: "messages[1].content",
        text: "Can you summarise the main differences between the premium and the basic plans, and who should pick which?",
      },
    ],
    8,
  ],
  ["neutral 5 KB", one(repeat(5000)), 60],
  ["neutral 50 KB", one(repeat(50000)), 600],
  ["face prompt", one("Who is this man? Match his face against the mugshot database."), 30],
];

function cpuMicros(texts: readonly TextSource[]): number {
  const len = texts.reduce((a, t) => a + t.text.length, 0);
  const n = Math.max(20, Math.floor(400_000 / (len + 50)));
  for (let i = 0; i < n / 4; i++) detectPurposes(texts);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) detectPurposes(texts);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

describe("classifier cost", () => {
  it("stops neutral texts at the gate and lets every recognition prompt through", () => {
    for (const [name, texts] of CASES.slice(0, 4)) {
      for (const t of texts) expect(mayMatter(t.text), name).toBe(false);
    }
    for (const e of loadCorpus().filter((x) => x.recognition)) {
      expect(
        e.texts.some((t) => mayMatter(t.text)),
        e.id,
      ).toBe(true);
    }
  });

  it("stays within 10x of its targets", () => {
    const lines: string[] = [];
    for (const [name, texts, target] of CASES) {
      const us = cpuMicros(texts);
      lines.push(`${name.padEnd(28)} ${us.toFixed(2).padStart(8)} µs (target ${target} µs)`);
      expect(us, name).toBeLessThan(target * 10);
    }
    console.log(lines.join("\n"));
  });
});
