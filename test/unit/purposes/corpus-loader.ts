/** Loads the labelled purpose corpus (test/fixtures/purpose-corpus/*.jsonl). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Purpose, TextSource } from "../../../src/pipeline/classify-request/facts.js";

export interface CorpusEntry {
  id: string;
  lang: string;
  recognition: boolean;
  texts: TextSource[];
  purposes?: Purpose[];
  note?: string;
  file: string;
}

interface RawEntry {
  id: string;
  lang: string;
  recognition: boolean;
  text?: string;
  texts?: TextSource[];
  purposes?: Purpose[];
  note?: string;
}

export const CORPUS_DIR = join(import.meta.dirname, "../../fixtures/purpose-corpus");

export function loadCorpusFile(file: string): CorpusEntry[] {
  const lines = readFileSync(join(CORPUS_DIR, file), "utf8").split("\n");
  const out: CorpusEntry[] = [];
  for (const line of lines) {
    if (line.trim() === "") continue;
    const raw = JSON.parse(line) as RawEntry;
    const texts = raw.texts ?? [{ where: "messages[0].content", text: raw.text ?? "" }];
    const entry: CorpusEntry = {
      id: raw.id,
      lang: raw.lang,
      recognition: raw.recognition,
      texts,
      file,
    };
    if (raw.purposes) entry.purposes = raw.purposes;
    if (raw.note) entry.note = raw.note;
    out.push(entry);
  }
  return out;
}

/** The hold-out sets, oldest first; none of them is part of the tuning corpus. */
export const HOLDOUT_FILES = [
  "holdout.jsonl",
  "holdout-2.jsonl",
  "holdout-3.jsonl",
  "holdout-4.jsonl",
  "holdout-5.jsonl",
] as const;

/** Every corpus file except the hold-out sets. */
export function loadCorpus(): CorpusEntry[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".jsonl") && !f.startsWith("holdout"))
    .sort()
    .flatMap(loadCorpusFile);
}

/** Every text of the classifier's training data (`data/purpose/train/`), as written. */
export function* trainingTexts(): Generator<string> {
  const dir = join(import.meta.dirname, "../../../data/purpose/train");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl"))) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (line.trim() !== "") yield (JSON.parse(line) as { text: string }).text;
    }
  }
}
