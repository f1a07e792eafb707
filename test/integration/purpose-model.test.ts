/**
 * `classification.purposeModel` end to end: police shorthand the rules do not know ("any hits on
 * this guy?") is identification with the learned model (on by default), and what-if shows the
 * model's evidence; with the model turned off the same ask passes on the rules alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let on: Harness;
let off: Harness;
beforeAll(async () => {
  on = await startHarness({ classification: "  purposeModel: on" });
  off = await startHarness({
    classification: "  purposeModel: off",
  });
});
afterAll(async () => {
  await on.close();
  await off.close();
});

const ask = (h: Harness, text: string) =>
  fetch(`${h.gw.url}/_gateway/evaluate/openai/deployments/gpt-4o/chat/completions`, {
    method: "POST",
    headers: { "api-key": KEYS.metroPd, "content-type": "application/json" },
    body: JSON.stringify({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text },
            { type: "image_url", image_url: { url: "https://evidence.example/frame.jpg" } },
          ],
        },
      ],
    }),
  }).then(
    (r) =>
      r.json() as Promise<{
        decision: string;
        facts: { recognitionConfidence: string; evidence: { rule: string }[] };
      }>,
  );

describe("the learned purpose model, on by default", () => {
  it("reads police shorthand the rules miss as identification", async () => {
    const withModel = await ask(on, "any hits on this guy?");
    expect(withModel.decision).toBe("deny");
    expect(withModel.facts.evidence.some((e) => e.rule.startsWith("model."))).toBe(true);
    const rulesAlone = await ask(off, "any hits on this guy?");
    expect(rulesAlone.facts.recognitionConfidence).toBe("none");
    expect(rulesAlone.decision).toBe("allow");
  });

  it("leaves a plain description alone", async () => {
    const r = await ask(on, "Describe the weather in this photo.");
    expect(r.decision).toBe("allow");
  });
});
