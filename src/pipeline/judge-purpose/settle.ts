/**
 * When the judge matters and what its verdict does to the facts (docs/classifier.md, "The
 * judge"). The judge is asked only when the local confidence is `possible` and the decision would
 * change with it: `raise` when the call is allowed now and would be denied at `certain`; `clear`
 * (only with `mayClear`) when it is denied now and would be allowed at `none`. Pure.
 */
import type { RequestFacts } from "../classify-request/facts.js";
import { CONFIDENCES, type Confidence } from "../classify-request/purposes/confidence.js";
import type { Decision } from "../evaluate-policy/index.js";

/** What a verdict could change: raise `possible`, or clear it. */
export type JudgeNeed = "raise" | "clear";

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

/**
 * Whether the decision depends on the judge, given the decision on the local facts and a way to
 * decide on other facts. Undefined when it does not (or the confidence is not `possible`).
 */
export function judgeNeed(
  facts: RequestFacts,
  local: Decision,
  decide: (facts: RequestFacts) => Decision,
  mayClear: boolean,
): JudgeNeed | undefined {
  if (facts.recognitionConfidence !== "possible" || facts.uncertainText === undefined) {
    return undefined;
  }
  if (local.decision === "allow") {
    const raised = decide(withJudgedConfidence(facts, "certain"));
    return raised.decision === "allow" ? undefined : "raise";
  }
  if (!mayClear) return undefined;
  const cleared = decide(withJudgedConfidence(facts, "none"));
  return cleared.decision === local.decision ? undefined : "clear";
}

/**
 * The confidence a verdict leaves: a raise takes a stronger verdict; a clear takes `none` only
 * (anything else keeps `possible`). Undefined when the local view stands.
 */
export function settledConfidence(need: JudgeNeed, verdict: Confidence): Confidence | undefined {
  if (need === "raise") {
    return CONFIDENCES.indexOf(verdict) > CONFIDENCES.indexOf("possible") ? verdict : undefined;
  }
  return verdict === "none" ? "none" : undefined;
}
