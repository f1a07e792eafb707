import { describe, expect, it } from "vitest";
import { terseIdentityAsks } from "../../../src/pipeline/classify-request/purposes/terse-ask.js";

const asks = (text: string) =>
  terseIdentityAsks([{ where: "messages[0].content", text }]).map((e) => e.rule);

describe("terse identity asks", () => {
  it("finds identity words in short texts, in the languages added for h171 and h174", () => {
    for (const text of [
      "Name?",
      "yeh kaun hai?",
      "یہ کون ہے",
      "ইনি কে?",
      "sino siya?",
      "pangalan niya?",
      "huyu ni nani?",
      "jina lake?",
      "นี่ใคร",
      "这个人是谁？",
      "この人の名前は？",
      "ποιος είναι;",
      "kuka tämä on?",
      "این کیست؟",
    ]) {
      expect(asks(text), text).toEqual(["terse.identity-ask"]);
    }
  });

  it("finds two-word names of a face search, unless negated", () => {
    expect(asks("face search please")).toEqual(["terse.identity-ask"]);
    expect(asks("Face match?")).toEqual(["terse.identity-ask"]);
    expect(asks("run facial rec")).toEqual(["terse.identity-ask"]);
    expect(asks("no face search")).toEqual([]);
    expect(asks("don't face match")).toEqual([]);
  });

  it("leaves longer texts, other short texts and field keys alone", () => {
    expect(asks("Describe it.")).toEqual([]);
    expect(asks("What a view!")).toEqual([]);
    expect(asks("这是什么花？")).toEqual([]);
    expect(asks("Please tell me what the name of this flower is")).toEqual([]);
    expect(terseIdentityAsks([{ where: "body:key", text: "name" }])).toEqual([]);
  });
});
