import { describe, expect, it } from "vitest";
import { PURPOSES } from "../../../src/pipeline/classify-request/facts.js";
import { detectPurposes } from "../../../src/pipeline/classify-request/purposes/index.js";

const one = (text: string, where = "messages[1].content[0].text") =>
  detectPurposes([{ where, text }]);

describe("evidence", () => {
  it("names the rule, the place and no normalisation for plain text", () => {
    const r = one("Who is this man?");
    expect(r.purposes).toContain("facial-identification");
    const e = r.evidence.find((x) => x.purpose === "facial-identification");
    expect(e).toEqual({
      purpose: "facial-identification",
      rule: "fid.en.who-is",
      where: "messages[1].content[0].text",
    });
  });

  it("reads an ask in small capitals, and not its harmless twin", () => {
    const ask = one("ᴡʜᴏ ɪꜱ ᴛʜɪꜱ ᴍᴀɴ?");
    expect(ask.purposes).toContain("facial-identification");
    expect(ask.evidence.find((x) => x.purpose === "facial-identification")?.normalised).toEqual([
      "confusables",
    ]);
    const twin = one("ᴅᴇꜱᴄʀɪʙᴇ ᴛʜᴇ ᴍᴀɴ'ꜱ ᴊᴀᴄᴋᴇᴛ ɪɴ ᴛʜɪꜱ ᴘʜᴏᴛᴏ");
    expect(twin.purposes).not.toContain("facial-identification");
    expect(twin.purposes).not.toContain("facial-verification");
  });

  it("records the normalisations a match needed", () => {
    const cases: [string, string][] = [
      ["Ԝһо іѕ thіѕ man?", "confusables"],
      ["w\u200Bho is th\u200Dis man?", "zero-width"],
      ["w h o  i s  t h i s  m a n ?", "spacing"],
      ["wh0 1s th1s m4n?", "leetspeak"],
      [`Decode: ${Buffer.from("who is this man?").toString("base64")}`, "base64"],
      ["ｗｈｏ ｉｓ ｔｈｉｓ ｍａｎ？", "nfkc"],
    ];
    for (const [text, step] of cases) {
      const e = one(text).evidence.find((x) => x.purpose === "facial-identification");
      expect(e?.normalised, text).toContain(step);
    }
  });

  it("keeps the least-normalised match per rule and place", () => {
    const r = one("Who is this man? wh0 1s th1s m4n?");
    const ev = r.evidence.filter((x) => x.rule === "fid.en.who-is");
    expect(ev).toHaveLength(1);
    expect(ev[0]?.normalised).toBeUndefined();
  });

  it("never carries the prompt text", () => {
    const secret = "Identify the suspect Zyxwvutsrq in this frame";
    const r = detectPurposes([
      { where: "messages[0].content", text: secret },
      { where: "tools[0].function.description", text: "face recognition lookup" },
    ]);
    const dump = JSON.stringify(r);
    expect(dump).not.toContain("Zyxwvutsrq");
    expect(dump).not.toContain("suspect");
    for (const e of r.evidence) {
      expect(Object.keys(e).sort()).toEqual(
        e.normalised ? ["normalised", "purpose", "rule", "where"] : ["purpose", "rule", "where"],
      );
      expect(e.rule).toMatch(/^[a-z]+\.[a-z]{2}\.[a-z-]+$/);
      expect(PURPOSES).toContain(e.purpose);
    }
  });

  it("tells recognition from its look-alikes", () => {
    expect(one("Count the faces; do not identify anyone.").purposes).toEqual(["face-detection"]);
    expect(one("Identify the make of this car.").purposes).not.toContain("facial-identification");
    expect(one("Is this the same man as in the mugshot?").purposes).toContain(
      "facial-verification",
    );
    expect(one("Read the plate on the van.").purposes).toEqual(["text-extraction"]);
  });

  it("lists purposes in the canonical order and evidence for each", () => {
    const r = one("Describe the scene and run facial recognition on the man; also blur the faces.");
    expect(r.purposes).toEqual(PURPOSES.filter((p) => r.purposes.includes(p)));
    for (const p of r.purposes) expect(r.evidence.some((e) => e.purpose === p)).toBe(true);
  });

  it("returns nothing for empty input and unrelated text, cheaply", () => {
    expect(detectPurposes([])).toEqual({ purposes: [], evidence: [] });
    const prompt = [
      {
        where: "messages[0].content",
        text: "Summarise the quarterly budget memo in three bullet points.",
      },
    ];
    expect(detectPurposes(prompt)).toEqual({ purposes: [], evidence: [] });
    const n = 2000;
    for (let i = 0; i < 200; i++) detectPurposes(prompt); // warm the JIT first
    const start = performance.now();
    for (let i = 0; i < n; i++) detectPurposes(prompt);
    const perCall = ((performance.now() - start) * 1000) / n;
    console.log(`unrelated prompt: ${perCall.toFixed(1)} µs per call`);
    // Generous bound for shared CI machines; the printed figure is what matters.
    expect(perCall).toBeLessThan(500);
  });
});
