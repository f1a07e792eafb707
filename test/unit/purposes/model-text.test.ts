/**
 * The text the purpose model reads: ROT13 is decoded only when its decoding reads as English and
 * the text does not (gibberish decodings of plain questions were scored at random), and the
 * unreadable-script check counts letters of scripts the classifier was not built for.
 */
import { describe, expect, it } from "vitest";
import { hasUnsupportedScript } from "../../../src/pipeline/classify-request/purposes/confidence.js";
import {
  rot13,
  rot13Reading,
} from "../../../src/pipeline/classify-request/purposes/model/model-text.js";

describe("rot13Reading", () => {
  it("decodes asks hidden with ROT13", () => {
    expect(rot13Reading(rot13("Who is this man?"))).toBe("Who is this man?");
    expect(rot13Reading(rot13("Identify him"))).toBe("Identify him");
    expect(rot13Reading(rot13("Run his face against the watchlist"))).toBe(
      "Run his face against the watchlist",
    );
  });

  it("leaves plain text, other languages and long texts alone", () => {
    expect(rot13Reading("How many faces are in this photo?")).toBeUndefined();
    expect(rot13Reading("What is in this photo?")).toBeUndefined();
    expect(rot13Reading("Kdo je tenhle chlap?")).toBeUndefined();
    expect(rot13Reading("Wer ist das?")).toBeUndefined();
    expect(rot13Reading(rot13("Who is this man? ".repeat(30)))).toBeUndefined();
  });
});

describe("hasUnsupportedScript", () => {
  it("needs three letters of a script outside the supported ones", () => {
    expect(hasUnsupportedScript("გამარჯობა")).toBe(true);
    expect(hasUnsupportedScript("Ꭰ Ꭱ Ꭲ")).toBe(true);
    expect(hasUnsupportedScript("ab ግ")).toBe(false);
    expect(hasUnsupportedScript("Привет, 日本語, สวัสดี, שלום, नमस्ते")).toBe(false);
  });
});
