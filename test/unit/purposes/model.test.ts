/**
 * Keeps the committed purpose model honest: it loads the shipped model, scores the calibration
 * split the training wrote (data/purpose/calibration.jsonl), and fails when the figures drift from
 * the model card (a changed normaliser, a model and card out of step) or fall below the floors.
 * Training is not part of CI; `npm run train:classifier` rewrites model, card and split together.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PurposeModel } from "../../../src/pipeline/classify-request/purposes/model/purpose-model.js";
import { ensurePurposeModel } from "../../../src/pipeline/classify-request/purposes/model/shipped.js";

const ROOT = resolve(import.meta.dirname, "../../..");
let model: PurposeModel;

beforeAll(async () => {
  const loaded = await ensurePurposeModel();
  if (loaded === undefined) throw new Error("models/purpose is missing from the repo");
  model = loaded;
});

describe("the shipped purpose model", () => {
  it("scores its calibration split as its card says, above the floors", () => {
    const rows = readFileSync(resolve(ROOT, "data/purpose/calibration.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { text: string; label: string });
    const { thresholds } = model.card;
    const pos = rows.filter((r) => r.label === "recognition").map((r) => model.score(r.text));
    const neg = rows.filter((r) => r.label !== "recognition").map((r) => model.score(r.text));
    const rate = (scores: number[], t: number) =>
      scores.filter((s) => s >= t).length / scores.length;
    const card = model.card["calibration"] as Record<string, number>;
    expect(rate(pos, thresholds.possible)).toBeCloseTo(card["recallAtPossible"]!, 2);
    expect(rate(neg, thresholds.likely)).toBeCloseTo(card["fprAtLikely"]!, 2);
    // Floors below which the model has regressed (docs/classifier.md has the figures).
    expect(rate(pos, thresholds.possible)).toBeGreaterThanOrEqual(0.5);
    expect(rate(neg, thresholds.possible)).toBeLessThanOrEqual(0.06);
    expect(rate(neg, thresholds.likely)).toBeLessThanOrEqual(0.03);
  });

  it("reads an obvious ask and an obvious description apart", () => {
    expect(model.score("Who is this man? Give me his name.")).toBeGreaterThanOrEqual(
      model.card.thresholds.likely,
    );
    expect(model.score("Describe the weather in this photo.")).toBeLessThan(
      model.card.thresholds.possible,
    );
  });
});
