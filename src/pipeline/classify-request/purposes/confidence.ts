/**
 * How sure the classifier is that a request asks for facial recognition (docs/classifier.md):
 * `possible`, `likely` or `certain`, from the rules (a lexicon match is at least `likely`), the
 * model's probability against its calibrated thresholds, and the scripts it cannot read (text in
 * an unsupported script is `possible`: unknown means unsafe). Cedar sees `recognition` (at least
 * likely), `recognitionPossible` and `recognitionCertain`. Pure.
 */
import type { Evidence, TextSource } from "../facts.js";
import { joinConversation } from "./conversation.js";
import type { ModelCard, PurposeModel } from "./model/purpose-model.js";
import { type ScriptGroup, scriptGroup } from "./script-group.js";

/** Confidence levels, weakest first. */
export const CONFIDENCES = ["none", "possible", "likely", "certain"] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/**
 * A letter of a script the rules and the model were not built for: one pass of one regular
 * expression over the text (a test per letter cost 40 us per KB).
 */
const UNSUPPORTED_LETTER =
  /[^\P{L}\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Thai}]/gu;

/** Whether a text holds letters of a script the classifier does not read (at least a few). */
export function hasUnsupportedScript(text: string): boolean {
  UNSUPPORTED_LETTER.lastIndex = 0;
  let unsupported = 0;
  while (UNSUPPORTED_LETTER.exec(text) !== null) if (++unsupported >= 3) return true;
  return false;
}

const rank = (c: Confidence) => CONFIDENCES.indexOf(c);
const stronger = (a: Confidence, b: Confidence) => (rank(a) >= rank(b) ? a : b);

/** The confidence and its evidence (which signal, where; never the text). */
export interface RecognitionConfidence {
  confidence: Confidence;
  evidence: Evidence[];
  /** The model's highest probability, when it ran. */
  probability?: number;
}

/** Log-odds of a probability, clipped so that 0 and 1 stay finite. */
export function logOdds(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

/**
 * The combined score with the model on: the model's log-odds, plus `ruleBonus` when the rules
 * found identification or verification. The bonus and the thresholds on this score are set by
 * author-grouped cross-validation at training (models/purpose/card.json), so a rule match the
 * model finds implausible (a memo about facial recognition) can stay below `possible`, and a
 * strong model score needs no rule.
 */
export function combinedScore(p: number, ruleMatch: boolean, ruleBonus: number): number {
  return logOdds(p) + (ruleMatch ? ruleBonus : 0);
}

/**
 * The confidence of a model probability with or without a rule match, against the card's
 * combination (training's cross-validation uses the same function to set and report it). A rule
 * match is one signal among others, not a floor: in cross-validation the rules alone flagged 13%
 * of the hard negatives (texts about facial recognition), and at the same false-positive rate
 * the combined score without a floor finds more asks than with it. `script` (the text's script
 * group) picks that group's thresholds when the card has them; `tokens` (the text's length as
 * the model read it) lowers `possible` for a short text when the card has `shortText`.
 */
export function combinedLevel(
  p: number,
  ruleMatch: boolean,
  card: Pick<ModelCard, "thresholds" | "ruleBonus" | "thresholdsByScript" | "shortText">,
  script?: ScriptGroup,
  tokens?: number,
): Confidence {
  const score = combinedScore(p, ruleMatch, card.ruleBonus);
  const t =
    (script === undefined ? undefined : card.thresholdsByScript?.[script]) ?? card.thresholds;
  if (score >= t.certain) return "certain";
  if (score >= t.likely) return "likely";
  if (score >= t.possible - shortTextOffset(card, tokens)) return "possible";
  return "none";
}

/**
 * How much lower `possible` sits for a text of `tokens` model tokens: the card's offset when the
 * text fits one window, else 0. A short ask sideways ("the singer in this pic, her latest
 * album?") scores lower than a plain one and sits beside its harmless twin; long texts, where
 * most of the false alarms at `possible` are, keep the threshold their budget set.
 */
export function shortTextOffset(card: Pick<ModelCard, "shortText">, tokens?: number): number {
  const short = card.shortText;
  return short === undefined || tokens === undefined || tokens > short.maxTokens
    ? 0
    : short.possibleOffset;
}

/**
 * Combines the signals for one request's texts. Without the model, a rule match is `likely`. With
 * it, the confidence is the combined score of the texts joined as one conversation against the
 * card's thresholds. Text in a script the classifier does not read is
 * at least `possible` either way.
 */
export function recognitionConfidence(
  texts: readonly TextSource[],
  ruleMatch: boolean,
  model: PurposeModel | undefined,
): RecognitionConfidence {
  let confidence: Confidence = model === undefined && ruleMatch ? "likely" : "none";
  const evidence: Evidence[] = [];
  for (const t of texts) {
    if (hasUnsupportedScript(t.text)) {
      confidence = "possible";
      evidence.push({
        purpose: "facial-identification",
        rule: "script.unsupported",
        where: t.where,
      });
      break;
    }
  }
  if (model === undefined) {
    return { confidence: ruleMatch ? "likely" : confidence, evidence };
  }
  // The texts read as one conversation (windowed when long): a schema key or a tool name alone
  // is not a prompt, and an ask split across texts is whole only in the join.
  const joined = joinConversation(texts);
  const reading = texts.length === 0 ? { probability: 0, tokens: 0 } : model.read(joined);
  const best = reading.probability;
  const where = texts.length === 1 ? texts[0]!.where : "conversation";
  const script = scriptGroup(joined);
  const level = combinedLevel(best, ruleMatch, model.card, script, reading.tokens);
  // `.short`: only the lower `possible` of a short text put it there (an auditor sees why).
  const short =
    level === "possible" && combinedLevel(best, ruleMatch, model.card, script) === "none";
  evidence.push({
    purpose: "facial-identification",
    rule: `${ruleMatch ? "rules+model" : "model"}.${level}${short ? ".short" : ""}`,
    where,
  });
  return { confidence: stronger(confidence, level), evidence, probability: best };
}
