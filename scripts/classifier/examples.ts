/**
 * The labelled prompts the purpose model learns from, read the same way by training, cross-
 * validation and scoring: every `*.jsonl` under `data/purpose/train/` (`{text, label, lang, kind}`)
 * and the rule corpus under `test/fixtures/purpose-corpus/` (`{text, recognition, lang}`), each
 * example tagged with its source (the author), de-duplicated on the model's normalised text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { modelText } from "../../src/pipeline/classify-request/purposes/model/model-text.js";

/** One labelled prompt. */
export interface Example {
  text: string;
  recognition: boolean;
  lang: string;
  kind: string;
  /** Who wrote it: the training file's name, or `corpus` for the rule corpus. */
  source: string;
}

/** Reads one JSONL file of examples (either label shape). */
export function readJsonl(file: string, source: string): Example[] {
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

/** The `*.jsonl` files of a folder, sorted by name (none when the folder is missing). */
export function jsonlFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Every training example of the repo, each normalised text once (first source wins). */
export function trainingExamples(root: string): Example[] {
  const files = [
    ...jsonlFiles(join(root, "data/purpose/train")).map((f) => [f, basename(f, ".jsonl")]),
    ...jsonlFiles(join(root, "test/fixtures/purpose-corpus")).map((f) => [f, "corpus"]),
  ];
  const seen = new Set<string>();
  const all: Example[] = [];
  for (const [file, source] of files) {
    for (const e of readJsonl(file!, source!)) {
      const key = modelText(e.text);
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(e);
    }
  }
  return all;
}

/** mulberry32: a small seeded generator, so splits are the same on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates in place with `random`. */
export function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** The lowest threshold whose false-positive rate on `negatives` is at most `fpr`. */
export function thresholdForFpr(negatives: readonly number[], fpr: number): number {
  const sorted = [...negatives].sort((a, b) => b - a);
  const allowed = Math.floor(sorted.length * fpr);
  return (sorted[allowed] ?? Number.NEGATIVE_INFINITY) + 1e-6;
}

/** Wilson score interval (95%) for `k` successes out of `n`. */
export function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = p + (z * z) / (2 * n);
  const m = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, (c - m) / d), Math.min(1, (c + m) / d)];
}
