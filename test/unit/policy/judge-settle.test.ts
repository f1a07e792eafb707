/**
 * When the judge is asked and what its verdict leaves (src/pipeline/judge-purpose/settle.ts),
 * decided by the default pack: screening asks only on a call scored `none` that a verdict could
 * deny, and applies any verdict above `none` (a `possible` is enough for the absolute ban).
 */
import { describe, expect, it } from "vitest";
import type { RequestFacts } from "../../../src/pipeline/classify-request/facts.js";
import { judgeAs } from "../../../src/pipeline/evaluate-policy/judge.js";
import {
  judgeNeed,
  settledConfidence,
  withJudgedConfidence,
} from "../../../src/pipeline/judge-purpose/settle.js";
import { agency, defaultPack, facts } from "./helpers.js";

const usPolice = agency({ id: "metro-pd", agencyType: "law-enforcement", country: "US" });
const newsroom = agency({ id: "newsroom", agencyType: "commercial", country: "FR" });

/** An image call the local classifier scored `none`, its text kept for a screening judge. */
const cleared: RequestFacts = {
  ...facts({ purposes: ["scene-description"] }),
  uncertainText: "Is he still alive? What was his latest film?",
};

const decideAs = (who: typeof usPolice) => (f: RequestFacts) =>
  judgeAs(defaultPack(), [who], f, {}).decision;

const SCREEN = { mayClear: false, screen: true };
const NO_SCREEN = { mayClear: false, screen: false };

describe("judgeNeed with screening", () => {
  it("asks on a cleared image call the absolute ban would deny, only when screening is on", () => {
    const decide = decideAs(usPolice);
    const local = decide(cleared);
    expect(local.decision).toBe("allow");
    expect(judgeNeed(cleared, local, decide, SCREEN)).toBe("screen");
    expect(judgeNeed(cleared, local, decide, NO_SCREEN)).toBeUndefined();
  });

  it("does not ask where no verdict could change the decision, or when no text was kept", () => {
    const decide = decideAs(newsroom);
    expect(judgeNeed(cleared, decide(cleared), decide, SCREEN)).toBeUndefined();
    const { uncertainText: _, ...noText } = cleared;
    const police = decideAs(usPolice);
    expect(judgeNeed(noText, police(noText), police, SCREEN)).toBeUndefined();
  });

  it("applies any verdict above `none`, so `possible` denies under the absolute ban", () => {
    expect(settledConfidence("screen", "none")).toBeUndefined();
    expect(settledConfidence("screen", "possible")).toBe("possible");
    expect(settledConfidence("screen", "certain")).toBe("certain");
    const judged = withJudgedConfidence(cleared, "possible");
    expect(judged.uncertainText).toBeUndefined();
    const decision = decideAs(usPolice)(judged);
    expect(decision.decision).toBe("deny");
    expect(decision.policies.map((p) => p.id)).toContain(
      "us-law-enforcement-no-facial-recognition",
    );
  });

  it("keeps a raise from `possible` to verdicts above it", () => {
    expect(settledConfidence("raise", "possible")).toBeUndefined();
    expect(settledConfidence("raise", "likely")).toBe("likely");
  });
});
