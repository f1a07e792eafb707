/**
 * Keeps the committed purpose model honest: it loads the shipped model, classifies the validation
 * split the training set aside (data/purpose/validation.jsonl, never trained on) the way the
 * gateway does with the model on, and fails when the figures drift from the model card (a changed
 * normaliser or rule, a model and card out of step) or fall below the floors. Training is not part
 * of CI; `npm run train:classifier` rewrites model, card and split together.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { gatewayView } from "../../../scripts/classifier/gateway-view.js";
import type { Confidence } from "../../../src/pipeline/classify-request/purposes/confidence.js";
import type { PurposeModel } from "../../../src/pipeline/classify-request/purposes/model/purpose-model.js";
import { ensurePurposeModel } from "../../../src/pipeline/classify-request/purposes/model/shipped.js";

const ROOT = resolve(import.meta.dirname, "../../..");
let model: PurposeModel;

beforeAll(async () => {
  const loaded = await ensurePurposeModel();
  if (loaded === undefined) throw new Error("models/purpose is missing from the repo");
  model = loaded;
});

const ORDER: readonly Confidence[] = ["none", "possible", "likely", "certain"];

describe("the shipped purpose model", () => {
  it("classifies its validation split as its card says, above the floors", async () => {
    const rows = readFileSync(resolve(ROOT, "data/purpose/validation.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { text: string; label: string });
    const view = gatewayView(ROOT, model);
    const levels: { positive: boolean; level: Confidence }[] = [];
    for (const r of rows) {
      levels.push({ positive: r.label === "recognition", level: await view(r.text) });
    }
    const rate = (positive: boolean, min: Confidence) => {
      const list = levels.filter((l) => l.positive === positive);
      const k = list.filter((l) => ORDER.indexOf(l.level) >= ORDER.indexOf(min)).length;
      return k / list.length;
    };
    const card = model.card["validation"] as Record<string, number>;
    expect(rate(true, "possible")).toBeCloseTo(card["recallAtPossible"]!, 2);
    expect(rate(false, "possible")).toBeCloseTo(card["fprAtPossible"]!, 2);
    expect(rate(true, "likely")).toBeCloseTo(card["recallAtLikely"]!, 2);
    expect(rate(false, "likely")).toBeCloseTo(card["fprAtLikely"]!, 2);
    // Floors below which the model has regressed (docs/classifier.md has the figures).
    expect(rate(true, "possible")).toBeGreaterThanOrEqual(FLOORS.recallAtPossible);
    expect(rate(false, "possible")).toBeLessThanOrEqual(FLOORS.fprAtPossible);
    expect(rate(false, "likely")).toBeLessThanOrEqual(FLOORS.fprAtLikely);
    // 39,000 prompts through the whole classification: about 20 s alone, 36 s on a loaded machine.
  }, 120_000);

  it("keeps a short ask beside a machine id an ask, and a description a description", async () => {
    // A conversation continuation walks its `conversation` id with the input: the id's random
    // character n-grams once moved "Who?" from certain to below `possible` for some ids.
    const view = gatewayView(ROOT, model);
    let seed = 20261202;
    const hex = (n: number) =>
      Array.from({ length: n }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return (seed % 16).toString(16);
      }).join("");
    // The id of the CI run that found it, then random ones.
    const ids = ["0cb761272198a15d402264ec9d9cafd3606e110a1a363c8b"];
    for (let i = 0; i < 40; i++) ids.push(hex(48));
    for (const id of ids) {
      const level = await view(`conv_${id} Who?`);
      expect(ORDER.indexOf(level), `conv_${id}`).toBeGreaterThanOrEqual(ORDER.indexOf("likely"));
      // Its benign twin stays benign beside the same id.
      expect(await view(`conv_${id} Describe the weather in this photo.`), `conv_${id}`).toBe(
        "none",
      );
    }
  });

  it("reads an ask beside an object id or written backwards as an ask, and their twins apart", async () => {
    const view = gatewayView(ROOT, model);
    // A vector store id's `vs` read as "versus": on its own last line it made a request to
    // describe a photo `certain` before object ids were dropped from the model's text.
    expect(await view("Describe the photo.\nvs_1")).toBe("none");
    expect(await view("Summarise this document photo.\nfile_search vector_store_ids vs_1")).toBe(
      "none",
    );
    expect(ORDER.indexOf(await view("Who is this man?\nfile_search vs_1"))).toBeGreaterThanOrEqual(
      ORDER.indexOf("likely"),
    );
    expect(ORDER.indexOf(await view("?nam siht si ohW"))).toBeGreaterThanOrEqual(
      ORDER.indexOf("possible"),
    );
    expect(await view(".otohp siht ni rehtaew eht ebircseD")).toBe("none");
  });

  it("reads an obvious ask and an obvious description apart", async () => {
    const view = gatewayView(ROOT, model);
    expect(ORDER.indexOf(await view("Who is this man? Give me his name."))).toBeGreaterThanOrEqual(
      ORDER.indexOf("likely"),
    );
    expect(await view("Describe the weather in this photo.")).toBe("none");
  });
});

/**
 * Set from the committed model's validation figures, with a little room. Since stop 50's second
 * model, short texts have a lower `possible` (a 10% budget on their own): 0.109 at `possible`.
 */
const FLOORS = { recallAtPossible: 0.78, fprAtPossible: 0.13, fprAtLikely: 0.03 };
