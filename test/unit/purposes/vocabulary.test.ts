import { describe, expect, it } from "vitest";
import {
  fastTextHash,
  Vocabulary,
} from "../../../src/pipeline/classify-request/purposes/model/vocabulary.js";

const utf8 = (s: string) => Buffer.from(s, "utf8");

describe("purpose model vocabulary", () => {
  it("finds every word's row by its bytes and no word it does not hold", () => {
    const words = ["</s>", "who", "is", "this", "誰", "кто", "é", "who's", "whois", "<wh"];
    const v = Vocabulary.fromWords(words);
    expect(v.size).toBe(words.length);
    words.forEach((w, i) => {
      expect(v.idOf(utf8(w))).toBe(i);
      expect(v.idOfWord(w)).toBe(i);
      expect(v.wordAt(i)).toBe(w);
    });
    for (const absent of ["wh", "Who", "whoo", "", "誰か", "e"])
      expect(v.idOfWord(absent)).toBe(-1);
  });

  it("keeps every word of a large vocabulary apart, hash collisions included", () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
    const v = Vocabulary.fromWords(words);
    // A table of 16,384 slots for 5,000 words: probes cross slots shared by other words.
    for (let i = 0; i < words.length; i += 7) expect(v.idOfWord(words[i]!)).toBe(i);
    expect(v.idOfWord("w-none")).toBe(-1);
  });

  it("reads the packed form the model file stores and gives it back unchanged", () => {
    const packed = utf8("alpha\nβήτα\ngamma");
    const v = new Vocabulary(packed, 3);
    expect(v.wordAt(1)).toBe("βήτα");
    expect(v.idOfWord("gamma")).toBe(2);
    expect(Buffer.from(v.packed()).equals(packed)).toBe(true);
    expect(new Vocabulary(new Uint8Array(0), 0).idOfWord("x")).toBe(-1);
  });

  it("refuses a packed form whose word count does not match", () => {
    expect(() => new Vocabulary(utf8("a\nb"), 3)).toThrow(/expected 3 words, found 2/);
    expect(() => new Vocabulary(utf8("a\nb\nc"), 2)).toThrow(/expected 2 words, found 3/);
    expect(() => new Vocabulary(utf8("a"), 0)).toThrow(/expected 0 words, found 1/);
    expect(() => Vocabulary.fromWords(["a b", "c\nd"])).toThrow(/single lines/);
    expect(() => Vocabulary.fromWords(["a", ""])).toThrow(/non-empty/);
  });

  it("hashes as fastText's Dictionary::hash does (FNV-1a over sign-extended bytes)", () => {
    // fastText: h = 2166136261; for each byte: h ^= uint32(int8(b)); h *= 16777619.
    expect(fastTextHash(utf8("</s>"), 0, 4)).toBe(3617362777);
    const high = utf8("é");
    let h = 2166136261;
    for (const b of high) {
      h = (h ^ (b | 0xffffff00)) >>> 0;
      h = Number((BigInt(h) * 16777619n) % 4294967296n);
    }
    expect(fastTextHash(high, 0, high.length)).toBe(h);
  });
});
