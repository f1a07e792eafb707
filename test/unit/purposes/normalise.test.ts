import { describe, expect, it } from "vitest";
import {
  decodeBase64Segments,
  decodeRun,
} from "../../../src/pipeline/classify-request/purposes/base64.js";
import {
  deLeet,
  fold,
  joinSpacedLetters,
  mapConfusables,
  nfkc,
  stripInvisible,
  variants,
} from "../../../src/pipeline/classify-request/purposes/normalise.js";

describe("normalisers", () => {
  it("nfkc folds full-width and mathematical letters", () => {
    expect(nfkc("ｗｈｏ ｉｓ")).toBe("who is");
    expect(nfkc("𝐟𝐚𝐜𝐞")).toBe("face");
  });

  it("fold lower-cases, drops diacritics, splits camelCase and keeps kana and Hangul whole", () => {
    expect(fold("Reconocimiento FACIAL, Gesichtserkennung, rozpoznawanie twarzy: Łódź")).toBe(
      "reconocimiento facial, gesichtserkennung, rozpoznawanie twarzy: lodz",
    );
    expect(fold("identifyPersonFromFace")).toBe("identify person from face");
    expect(fold("YÜZ TANIMA İŞLEMİ")).toBe("yuz tanima islemi");
    expect(fold("が誰ですか")).toBe("が誰ですか");
    expect(fold("얼굴 인식")).toBe("얼굴 인식");
    expect(fold("التَّعَرُّف")).toBe("التعرف");
    expect(fold("w h o  i s")).toBe("w h o  i s");
  });

  it("stripInvisible removes zero-width and format characters", () => {
    expect(stripInvisible("w\u200Bh\u200Co\u200D \u2060i\uFEFFs\u00AD")).toBe("who is");
    expect(stripInvisible("plain")).toBe("plain");
  });

  it("mapConfusables maps homoglyphs in Latin-looking words and leaves Russian alone", () => {
    expect(mapConfusables(fold("Ԝһо іѕ thіѕ"))).toBe("who is this");
    expect(mapConfusables("fасе")).toBe("face");
    expect(mapConfusables("кто это человек")).toBe("кто это человек");
    expect(mapConfusables("распознавание лиц")).toBe("распознавание лиц");
  });

  it("mapConfusables reads fancy-text words that mix scripts, and no real word", () => {
    // Hold-out h29's miss: Greek, Cyrillic and Latin letters picked for their shape. `я` and `є`
    // have no confusables twin; they are read as Latin only in words that mix scripts.
    expect(mapConfusables("ιđєηтιƒу тнє ρєяѕση ιη тнιѕ ιмαgє")).toBe(
      "iđentiƒy тнє person ιη this image",
    );
    expect(mapConfusables("ρєяѕση")).toBe("person");
    // Real Russian, Ukrainian and Greek words hold `я`, `є`, `σ`, `π` and stay as they are.
    for (const real of ["моя семья", "це моє фото", "ποιος είναι στη φωτογραφία", "пожалуйста"]) {
      expect(mapConfusables(real)).toBe(real);
    }
  });

  it("joinSpacedLetters joins spaced and dotted letters and keeps double spaces as breaks", () => {
    expect(joinSpacedLetters("w h o  i s  t h i s")).toBe("who  is  this");
    expect(joinSpacedLetters("run f.a.c.e recognition")).toBe("run face recognition");
    expect(joinSpacedLetters("i-d-e-n-t-i-f-y him")).toBe("identify him");
    expect(joinSpacedLetters("a normal sentence")).toBe("a normal sentence");
  });

  it("deLeet rewrites digits and symbols inside words only", () => {
    expect(deLeet("1d3nt1fy th3 5u5p3ct")).toBe("identify the suspect");
    expect(deLeet("f@c3 m4tch")).toBe("face match");
    expect(deLeet("frame 2024 at 10:45")).toBe("frame 2024 at 10:45");
    expect(deLeet("a1ias", "l")).toBe("alias");
  });

  it("variants builds a ladder that records only the steps that changed the text", () => {
    expect(variants("who is this").map((v) => v.normalised)).toEqual([[]]);
    const ladder = variants("w\u200Bh0 1s th1s");
    expect(ladder.at(-1)?.normalised).toContain("leetspeak");
    expect(ladder.some((v) => v.text === "who is this")).toBe(true);
  });
});

describe("base64", () => {
  const enc = (s: string) => Buffer.from(s, "utf8").toString("base64");

  it("decodes readable text, including non-Latin text", () => {
    expect(decodeRun(enc("who is the man in this photo?"))).toBe("who is the man in this photo?");
    expect(decodeBase64Segments(`do this: ${enc("这个人是谁？请识别。")}`)).toEqual([
      "这个人是谁？请识别。",
    ]);
  });

  it("never decodes image data, binary or plain words", () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82,
    ]);
    expect(decodeRun(png.toString("base64"))).toBeUndefined();
    const text = enc("who is this man? ".repeat(4));
    expect(decodeBase64Segments(`data:image/png;base64,${text}`)).toEqual([]);
    expect(decodeBase64Segments(enc("x".repeat(4000)))).toEqual([]);
    expect(decodeBase64Segments("internationalisation")).toEqual([]);
  });
});
