import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { termKey } from "../../../src/pipeline/classify-request/purposes/lexicon.js";
import {
  LexiconFileError,
  parseLexiconFile,
} from "../../../src/pipeline/classify-request/purposes/lexicon-file.js";
import {
  LANGUAGES,
  LEXICONS,
} from "../../../src/pipeline/classify-request/purposes/lexicons/index.js";

const DIR = join(import.meta.dirname, "../../../src/pipeline/classify-request/purposes/lexicons");

/** The problems a lexicon text is rejected with (fails the test when it is accepted). */
function problems(text: string, file = "xx.yaml"): string[] {
  try {
    parseLexiconFile(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(LexiconFileError);
    expect((err as Error).message).toContain(`\`${file}\``);
    return (err as LexiconFileError).problems;
  }
  throw new Error("accepted");
}

describe("lexicon files", () => {
  it("ships one file per listed language, and loads them all", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml"));
    expect(files.sort()).toEqual(LANGUAGES.map((l) => `${l}.yaml`).sort());
    expect(LEXICONS.map((l) => l.lang)).toEqual([...LANGUAGES]);
  });

  it("accepts a minimal file", () => {
    const lex = parseLexiconFile("lang: xx\nmode: words\nterms:\n  face: [face]\n", "xx.yaml");
    expect(lex).toEqual({ lang: "xx", mode: "words", terms: { face: ["face"] } });
  });

  it("rejects a term twice in one concept, also when it only folds to the same", () => {
    const text = "lang: xx\nmode: words\nterms:\n  person: [señor*, man, senor*, man]\n";
    expect(problems(text)).toEqual([
      "terms.person: duplicate term `senor*` (same as `señor*` once folded)",
      "terms.person: duplicate term `man`",
    ]);
    const chars = "lang: xx\nmode: chars\nterms:\n  samePerson: [같은 사람, 같은사람]\n";
    expect(problems(chars)).toEqual([
      "terms.samePerson: duplicate term `같은사람` (same as `같은 사람` once folded)",
    ]);
  });

  it("rejects a term in two concepts unless `shared` lists it; markers are exempt", () => {
    const terms = "terms:\n  who: [whom]\n  whoWord: [whom]\n";
    expect(problems(`lang: xx\nmode: words\n${terms}`)).toEqual([
      "terms.who and terms.whoWord: term `whom` is in each; list it under `shared` if meant",
    ]);
    const shared = `lang: xx\nmode: words\nshared: [whom]\n${terms}`;
    expect(() => parseLexiconFile(shared, "xx.yaml")).not.toThrow();
    const marker = "lang: xx\nmode: words\nterms:\n  whoWord: [who]\n  marker: [who]\n";
    expect(() => parseLexiconFile(marker, "xx.yaml")).not.toThrow();
    const stale = "lang: xx\nmode: words\nshared: [face]\nterms:\n  face: [face]\n";
    expect(problems(stale)).toEqual(["shared: `face` is not in two concepts"]);
  });

  it("rejects unknown concepts and keys, wrong types and a lang that is not the file's", () => {
    expect(problems("lang: xx\nmode: words\nterms:\n  faces: [face]\n").join()).toContain("/terms");
    expect(problems("lang: xx\nmode: words\nextra: 1\nterms:\n  face: [face]\n").join()).toContain(
      "/extra",
    );
    expect(problems("lang: xx\nmode: glyphs\nterms:\n  face: [face]\n").join()).toContain("/mode");
    expect(problems("lang: xx\nmode: words\nterms:\n  face: [1]\n").join()).toContain(
      "/terms/face/0",
    );
    expect(problems("lang: xx\nmode: words\nterms:\n  face: []\n").join()).toContain("/terms/face");
    expect(problems("lang: en\nmode: words\nterms:\n  face: [face]\n")).toEqual([
      "lang: `en` does not match the file name `xx`",
    ]);
    expect(problems("lang: xx\nmode: words\nterms:\n  face: [face]\n  face: [x]\n")[0]).toMatch(
      /^yaml: /,
    );
  });

  it("keys terms as the matcher sees them", () => {
    expect(termKey("words", "Who's")).toBe("who s");
    expect(termKey("words", "Señor*")).toBe("senor*");
    expect(termKey("chars", "얼굴 인식")).toBe("얼굴인식");
  });
});
