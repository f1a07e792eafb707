/**
 * The script group of a text picks the purpose model's thresholds (script-group.ts,
 * confidence.ts): the group must follow the letters most of the text is written in, and a group's
 * own thresholds must apply to it alone.
 */
import { describe, expect, it } from "vitest";
import {
  combinedLevel,
  logOdds,
} from "../../../src/pipeline/classify-request/purposes/confidence.js";
import { scriptGroup } from "../../../src/pipeline/classify-request/purposes/script-group.js";

describe("scriptGroup", () => {
  it.each([
    ["Who is this man?", "latin"],
    ["Qui est cet homme ? Dis-moi son nom.", "latin"],
    ["Кто этот человек на фото?", "cyrillic"],
    ["Ποιος είναι αυτός ο άνθρωπος;", "greek"],
    ["این مرد کیه؟ اسمش رو بگو", "arabic"],
    ["یہ آدمی کون ہے؟", "arabic"],
    ["מי האיש הזה בתמונה?", "hebrew"],
    ["यह आदमी कौन है?", "devanagari"],
    ["এই লোকটা কে?", "bengali"],
    ["ผู้ชายคนนี้คือใคร", "thai"],
    ["这个人是谁？", "han"],
    ["この人は誰ですか", "han"],
    ["이 사람 누구야?", "hangul"],
    ["", "latin"],
    ["12345 !!!", "latin"],
    ["Ça va ? Où est-il, señor Müller ? ¿Quién es? Æðþ øåß", "latin"],
    ["¡¿«»×÷ 12 ½", "latin"],
  ])("%s -> %s", (text, group) => {
    expect(scriptGroup(text)).toBe(group);
  });

  it("follows the letters most of a mixed text is in, a Latin letter counting a third", () => {
    // Six Hindi letters against a nine-letter English word: Devanagari (6 > 3).
    expect(scriptGroup("यह कौन है password")).toBe("devanagari");
    // A long English sentence with one Hebrew word stays Latin.
    expect(scriptGroup("Please describe the photo of the street and the shop called שלום")).toBe(
      "latin",
    );
    // Latin presentation of Arabic (Arabizi) is Latin.
    expect(scriptGroup("meen da ya 3am? 2oly esmo")).toBe("latin");
  });
});

describe("combinedLevel with thresholds per script", () => {
  const card = {
    ruleBonus: 1,
    thresholds: { possible: 2, likely: 3.5, certain: 6 },
    thresholdsByScript: { hebrew: { possible: 1, likely: 3, certain: 6 } },
  };
  const p = 1 / (1 + Math.exp(-1.5)); // log-odds 1.5: between Hebrew's `possible` and the global one

  it("applies a group's own thresholds to that group only", () => {
    expect(logOdds(p)).toBeCloseTo(1.5, 6);
    expect(combinedLevel(p, false, card, "hebrew")).toBe("possible");
    expect(combinedLevel(p, false, card, "latin")).toBe("none");
    expect(combinedLevel(p, false, card)).toBe("none");
  });

  it("falls back to the global thresholds for a card without groups", () => {
    const { thresholdsByScript: _, ...plain } = card;
    expect(combinedLevel(p, false, plain, "hebrew")).toBe("none");
    expect(combinedLevel(p, true, plain, "hebrew")).toBe("possible"); // 1.5 + the bonus: 2.5
  });
});
