/**
 * Texts that fit one model window get a lower `possible` (the card's `shortText`, confidence.ts),
 * set in cross-validation to spend its own false-positive budget on the short negatives alone
 * (cross-validate.ts). Only `possible` moves, and only for short texts.
 */
import { describe, expect, it } from "vitest";
import {
  type Scored,
  SHORT_TEXT_POSSIBLE_BUDGET,
  shortTextThresholds,
} from "../../../scripts/classifier/cross-validate.js";
import {
  type Confidence,
  combinedLevel,
  recognitionConfidence,
} from "../../../src/pipeline/classify-request/purposes/confidence.js";
import {
  type PurposeModel,
  WINDOW,
} from "../../../src/pipeline/classify-request/purposes/model/purpose-model.js";

const at = (logOdds: number) => 1 / (1 + Math.exp(-logOdds));

describe("combinedLevel with a lower `possible` for short texts", () => {
  const card = {
    ruleBonus: 1,
    thresholds: { possible: 2, likely: 3.5, certain: 6 },
    thresholdsByScript: { hebrew: { possible: 1, likely: 3, certain: 6 } },
    shortText: { maxTokens: 48, possibleOffset: 1.5, budget: 0.1 },
  };

  it("lowers `possible` for a text of at most `maxTokens` tokens, and only then", () => {
    const p = at(1); // between the short `possible` (0.5) and the global one (2)
    expect(combinedLevel(p, false, card, "latin", 12)).toBe("possible");
    expect(combinedLevel(p, false, card, "latin", 48)).toBe("possible");
    expect(combinedLevel(p, false, card, "latin", 49)).toBe("none");
    expect(combinedLevel(p, false, card, "latin")).toBe("none");
    expect(combinedLevel(at(0.4), false, card, "latin", 12)).toBe("none");
  });

  it("lowers a script group's own `possible` by the same offset", () => {
    const p = at(0); // Hebrew's short `possible` is -0.5
    expect(combinedLevel(p, false, card, "hebrew", 10)).toBe("possible");
    expect(combinedLevel(p, false, card, "hebrew", 100)).toBe("none");
  });

  it("leaves `likely` and `certain` where they are", () => {
    expect(combinedLevel(at(3.4), false, card, "latin", 5)).toBe("possible");
    expect(combinedLevel(at(3.6), false, card, "latin", 5)).toBe("likely");
    expect(combinedLevel(at(5.9), false, card, "latin", 5)).toBe("likely");
  });

  it("reads a card without `shortText` (models before stop 50) as before", () => {
    const { shortText: _, ...before } = card;
    expect(combinedLevel(at(1), false, before, "latin", 5)).toBe("none");
    expect(combinedLevel(at(2.1), false, before, "latin", 5)).toBe("possible");
  });
});

describe("shortTextThresholds", () => {
  const combination = { ruleBonus: 0, thresholds: { possible: 0, likely: 3, certain: 6 } };
  /** Negatives of the given log-odds and length; a few positives, which must not count. */
  const negatives = (scores: number[], tokens: number, rules: Confidence = "none"): Scored[] =>
    scores.map((s, i) => ({
      e: {
        text: `harmless ${i}`,
        recognition: false,
        lang: "en",
        kind: "hard-negative",
        source: "a",
      },
      p: at(s),
      rules,
      tokens,
    }));
  const asks: Scored[] = [-4, -3, -2].map((s) => ({
    e: { text: "ask", recognition: true, lang: "en", kind: "plain", source: "a" },
    p: at(s),
    rules: "none",
    tokens: 5,
  }));

  it("takes off what brings the short negatives' false positives up to the budget", () => {
    // 100 short negatives at -0.01, -0.02, ..., -1.00; 5 above `possible` already.
    const scores = Array.from({ length: 100 }, (_, i) => -(i + 1) / 100);
    const above = negatives([0.5, 1, 1.5, 2, 2.5], 10);
    const short = shortTextThresholds([...negatives(scores, 10), ...above, ...asks], combination);
    expect(short.maxTokens).toBe(WINDOW);
    expect(short.budget).toBe(SHORT_TEXT_POSSIBLE_BUDGET);
    // 10% of 105 is 10.5: the 5 above and the 5 within 0.05 (-0.01 ... -0.05).
    expect(short.possibleOffset).toBeCloseTo(0.05, 9);
  });

  it("never raises `possible`, ignores long texts and counts unreadable scripts as flagged", () => {
    const over = negatives([1, 2, 3, -5, -6, -7, -8, -9, -10, -11], 10);
    expect(shortTextThresholds(over, combination).possibleOffset).toBe(0);
    const longOnly = negatives([-0.1, -0.2, -0.3], WINDOW + 1);
    expect(shortTextThresholds(longOnly, combination).possibleOffset).toBe(0);
    // Two of ten short negatives are in unreadable scripts (`possible` whatever the score).
    const unreadable = [
      ...negatives([-9, -9], 10, "possible"),
      ...negatives([-0.3, -1, -2, -3, -4, -5, -6, -7], 10),
    ];
    expect(shortTextThresholds(unreadable, combination).possibleOffset).toBe(0);
  });
});

describe("recognitionConfidence for a short text", () => {
  const card = {
    seed: 1,
    labels: [],
    ruleBonus: 1,
    thresholds: { possible: 2, likely: 3.5, certain: 6 },
    shortText: { maxTokens: 48, possibleOffset: 1.5, budget: 0.1 },
  };
  /** A model whose reading of any text is fixed: the confidence logic is what is under test. */
  const reading = (logOdds: number, tokens: number) =>
    ({ card, read: () => ({ probability: at(logOdds), tokens }) }) as unknown as PurposeModel;
  const texts = [{ where: "messages[0].content", text: "the singer in this pic, her new album?" }];

  it("says in its evidence when only the short text's `possible` put it there", () => {
    const short = recognitionConfidence(texts, false, reading(1, 9));
    expect(short.confidence).toBe("possible");
    expect(short.evidence.map((e) => e.rule)).toEqual(["model.possible.short"]);
    const withRule = recognitionConfidence(texts, true, reading(0, 9)); // 0 + the bonus: 1
    expect(withRule.evidence.map((e) => e.rule)).toEqual(["rules+model.possible.short"]);
  });

  it("names the plain level when the global threshold decided, or the text is long", () => {
    expect(recognitionConfidence(texts, false, reading(2.5, 9)).evidence[0]!.rule).toBe(
      "model.possible",
    );
    const long = recognitionConfidence(texts, false, reading(1, 200));
    expect(long.confidence).toBe("none");
    expect(long.evidence[0]!.rule).toBe("model.none");
    expect(recognitionConfidence(texts, false, reading(4, 9)).evidence[0]!.rule).toBe(
      "model.likely",
    );
  });
});
