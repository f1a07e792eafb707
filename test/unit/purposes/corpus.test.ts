/**
 * Runs the labelled corpus through the classifier and checks recall and false-positive rate of
 * the recognition decision (facial identification or verification), the one a policy denies on.
 */
import { describe, expect, it } from "vitest";
import { detectPurposes } from "../../../src/pipeline/classify-request/purposes/index.js";
import { type CorpusEntry, HOLDOUT_FILES, loadCorpus, loadCorpusFile } from "./corpus-loader.js";

const MIN_RECALL = 0.97;
const MAX_FPR = 0.03;
/**
 * Guards on the hold-out sets (not targets: the sets are never tuned to reach them).
 * holdout.jsonl and holdout-2.jsonl were each run once, then their classes of error fixed.
 * holdout-3.jsonl first scored 84.8%; the sentence-level scoring stage of the next round lifted
 * it to 97.0% (its classes of error were named in the docs, so it is no longer unseen).
 * holdout-4.jsonl was written before that round and first scored recall 81.6% / FPR 11.8%; the
 * round fixed its classes of error (now 100% / 0%), so it is guarded near that, as a regression
 * test. holdout-5.jsonl was written after that round and run once, never tuned against: its
 * first score (recall 98.4%, FPR 3.2%) is its guard. Raise guards only with a new, unseen set.
 */
const HOLDOUT_GUARDS: Record<(typeof HOLDOUT_FILES)[number], { recall: number; fpr: number }> = {
  "holdout.jsonl": { recall: 0.9, fpr: 0.06 },
  "holdout-2.jsonl": { recall: 0.9, fpr: 0.06 },
  "holdout-3.jsonl": { recall: 0.93, fpr: 0.06 },
  "holdout-4.jsonl": { recall: 0.95, fpr: 0.03 },
  "holdout-5.jsonl": { recall: 0.98, fpr: 0.033 },
};

interface Figures {
  recognition: number;
  benign: number;
  detected: number;
  falsePositives: number;
  misses: string[];
  falseAlarms: string[];
}

function isRecognition(entry: CorpusEntry): boolean {
  const { purposes } = detectPurposes(entry.texts);
  return purposes.includes("facial-identification") || purposes.includes("facial-verification");
}

function score(entries: readonly CorpusEntry[]): Figures {
  const f: Figures = {
    recognition: 0,
    benign: 0,
    detected: 0,
    falsePositives: 0,
    misses: [],
    falseAlarms: [],
  };
  for (const e of entries) {
    const got = isRecognition(e);
    if (e.recognition) {
      f.recognition++;
      if (got) f.detected++;
      else f.misses.push(e.id);
    } else {
      f.benign++;
      if (got) {
        f.falsePositives++;
        f.falseAlarms.push(e.id);
      }
    }
  }
  return f;
}

const recall = (f: Figures): number => (f.recognition === 0 ? 1 : f.detected / f.recognition);
const fpr = (f: Figures): number => (f.benign === 0 ? 0 : f.falsePositives / f.benign);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function report(title: string, f: Figures): string {
  return `${title}: n=${f.recognition + f.benign} recall=${pct(recall(f))} (${f.detected}/${f.recognition}) fpr=${pct(fpr(f))} (${f.falsePositives}/${f.benign})`;
}

describe("purpose corpus", () => {
  const corpus = loadCorpus();

  it("holds enough labelled prompts in every language", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(600);
    const langs = new Set(corpus.map((e) => e.lang));
    for (const lang of [
      "en",
      "es",
      "fr",
      "de",
      "pt",
      "it",
      "nl",
      "pl",
      "tr",
      "ru",
      "ar",
      "ja",
      "ko",
    ]) {
      expect(langs.has(lang)).toBe(true);
      expect(corpus.filter((e) => e.lang === lang).length).toBeGreaterThanOrEqual(25);
    }
    expect(langs.has("zh-Hans") && langs.has("zh-Hant")).toBe(true);
    const ids = corpus.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it(`reaches recall >= ${MIN_RECALL} and false-positive rate <= ${MAX_FPR}`, () => {
    const overall = score(corpus);
    const lines = [report("overall", overall)];
    const langs = [...new Set(corpus.map((e) => e.lang))].sort();
    for (const lang of langs)
      lines.push(report(`  ${lang}`, score(corpus.filter((e) => e.lang === lang))));
    lines.push(report("  obfuscated", score(corpus.filter((e) => e.id.startsWith("obf-")))));
    if (overall.misses.length > 0) lines.push(`misses: ${overall.misses.join(", ")}`);
    if (overall.falseAlarms.length > 0)
      lines.push(`false alarms: ${overall.falseAlarms.join(", ")}`);
    console.log(lines.join("\n"));
    expect(recall(overall)).toBeGreaterThanOrEqual(MIN_RECALL);
    expect(fpr(overall)).toBeLessThanOrEqual(MAX_FPR);
  });

  for (const file of HOLDOUT_FILES) {
    const guard = HOLDOUT_GUARDS[file];
    it(`reports ${file} (recall >= ${guard.recall}, fpr <= ${guard.fpr})`, () => {
      const entries = loadCorpusFile(file);
      const f = score(entries);
      const lines = [report(file, f)];
      if (f.misses.length > 0) lines.push(`${file} misses: ${f.misses.join(", ")}`);
      if (f.falseAlarms.length > 0) lines.push(`${file} false alarms: ${f.falseAlarms.join(", ")}`);
      console.log(lines.join("\n"));
      expect(entries.length).toBeGreaterThanOrEqual(40);
      expect(recall(f)).toBeGreaterThanOrEqual(guard.recall);
      expect(fpr(f)).toBeLessThanOrEqual(guard.fpr);
    });
  }
});
