/**
 * When the judge matters and what its verdict does to the facts (docs/classifier.md, "The
 * judge"). The judge is asked only when the decision would change with it: `raise` when the local
 * confidence is `possible` and the call is allowed now but would be denied at `certain`; `clear`
 * (only with `mayClear`) when it is `possible`, denied now and would be allowed at `none`;
 * `screen` (only with `screen`) when it is `none` on an image call that is allowed now and would
 * be denied at `certain`. Pure.
 */
import type { RequestFacts } from "../classify-request/facts.js";
import { CONFIDENCES, type Confidence } from "../classify-request/purposes/confidence.js";
import type { Decision } from "../evaluate-policy/index.js";

/** What a verdict could change: raise `possible`, clear it, or raise `none` (screening). */
export type JudgeNeed = "raise" | "clear" | "screen";

/** The facts with the recognition confidence set to `c` by the judge. */
export function withJudgedConfidence(facts: RequestFacts, c: Confidence): RequestFacts {
  const judged: RequestFacts = { ...facts, recognitionConfidence: c };
  delete judged.uncertainText;
  const identifies =
    facts.purposes.includes("facial-identification") ||
    facts.purposes.includes("facial-verification");
  if ((c === "likely" || c === "certain") && !identifies) {
    judged.purposes = ["facial-identification", ...facts.purposes];
  }
  judged.evidence = [
    ...facts.evidence,
    { purpose: "facial-identification", rule: `judge.${c}`, where: "judge" },
  ];
  return judged;
}

/** What `judgeNeed` reads of the judge's settings. */
export interface JudgeAsks {
  /** A `none` verdict may clear `possible`. */
  mayClear: boolean;
  /** Calls the local classifier scored `none` (with an image, kept text) are screened. */
  screen: boolean;
}

/**
 * Whether the decision depends on the judge, given the decision on the local facts and a way to
 * decide on other facts. Undefined when it does not, or when no text was kept for the judge (the
 * confidence is not `possible`, or `none` with screening on an image call).
 */
export function judgeNeed(
  facts: RequestFacts,
  local: Decision,
  decide: (facts: RequestFacts) => Decision,
  asks: JudgeAsks,
): JudgeNeed | undefined {
  if (facts.uncertainText === undefined) return undefined;
  const c = facts.recognitionConfidence;
  if (c === "none" && asks.screen && local.decision === "allow") {
    return wouldDeny(facts, decide) ? "screen" : undefined;
  }
  if (c !== "possible") return undefined;
  if (local.decision === "allow") return wouldDeny(facts, decide) ? "raise" : undefined;
  if (!asks.mayClear) return undefined;
  const cleared = decide(withJudgedConfidence(facts, "none"));
  return cleared.decision === local.decision ? undefined : "clear";
}

function wouldDeny(facts: RequestFacts, decide: (facts: RequestFacts) => Decision): boolean {
  return decide(withJudgedConfidence(facts, "certain")).decision !== "allow";
}

/**
 * The confidence a verdict leaves: a raise takes a verdict stronger than `possible`; a screen
 * takes any verdict stronger than `none` (`possible` denies under an absolute ban); a clear takes
 * `none` only (anything else keeps `possible`). Undefined when the local view stands.
 */
export function settledConfidence(need: JudgeNeed, verdict: Confidence): Confidence | undefined {
  if (need === "clear") return verdict === "none" ? "none" : undefined;
  const floor = need === "raise" ? "possible" : "none";
  return CONFIDENCES.indexOf(verdict) > CONFIDENCES.indexOf(floor) ? verdict : undefined;
}
