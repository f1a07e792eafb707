/**
 * Every rule `applyRules` can emit, as a table: id, purpose, an example prompt that fires it and
 * one sentence on how it applies. `rules.ts` emits by these ids (the compiler rejects any other)
 * and takes each rule's purpose from here; docs/classifier.md's rule table is generated from it
 * (`npm run docs:rules`), and a unit test fires every example through `detectPurposes`.
 *
 * A typed table rather than a data file: the ids are referenced by code, so the type checker keeps
 * the two in step, and nothing has to be loaded or validated at run time.
 */
import type { Purpose } from "../facts.js";

/** One row of the table. */
export interface RuleRow {
  /** `<family>.<name>`; evidence names it `<family>.<lang>.<name>` (`fid.en.who-is`). */
  readonly id: string;
  /** What the rule reports. */
  readonly purpose: Purpose;
  /** A prompt that fires the rule (in English unless the rule is hard to show in it). */
  readonly example: string;
  /** How it applies, in one sentence. */
  readonly applies: string;
}

/** The rules, in the order docs/classifier.md lists them. */
export const RULES = [
  {
    id: "fid.recognition-term",
    purpose: "facial-identification",
    example: "Run facial recognition on this photo.",
    applies:
      'A face-recognition noun (`facial recognition`, `reconocimiento facial`, `Gesichtserkennung`, `人脸识别`, `顔認識`, `얼굴 인식`…), not negated, not talked about (`explain how… works`), not "only to blur".',
  },
  {
    id: "fver.verification-term",
    purpose: "facial-verification",
    example: "Use face verification on these two photos.",
    applies:
      "A face-verification noun (`face verification`, `顔認証`, `人证比对`…) under the same conditions.",
  },
  {
    id: "fid.who-is",
    purpose: "facial-identification",
    example: "Who is this man?",
    applies:
      'An interrogative who-phrase whose nearest object is a person, a face, a photo or a bare "this"; not negated, not a relative clause (`the man who is…`), not followed by a thing (`who is the author`), not a recipient (`who is this gift for`).',
  },
  {
    id: "fid.identify-person",
    purpose: "facial-identification",
    example: "Identify the man in this photo.",
    applies:
      "An identity verb or noun (identify, recognise, name, identity, track, look up, ID) about a person, not negated; not people as rows of data (`identify the customers likely to churn from this table`), not a name read off the image.",
  },
  {
    id: "fid.identify-face",
    purpose: "facial-identification",
    example: "Identify the face in this picture.",
    applies:
      "The same about a face; a face with a benign action in the sentence (`identify faces to blur them`) is detection instead.",
  },
  {
    id: "fver.same-person",
    purpose: "facial-verification",
    example: "Is this the same person as in the other photo?",
    applies:
      'A `same person`-type phrase, or "same" whose nearest object is a person, a face or a mugshot.',
  },
  {
    id: "fver.match-faces",
    purpose: "facial-verification",
    example: "Do these two faces match?",
    applies:
      "Match / compare / resemble about a person or a face, with no gallery in the sentence.",
  },
  {
    id: "fid.match-reference",
    purpose: "facial-identification",
    example: "Match this face against our database.",
    applies: "The same with a gallery (database, watchlist, other photos) in the sentence.",
  },
  {
    id: "fver.verify-identity",
    purpose: "facial-verification",
    example: "Verify the identity of the man in this photo.",
    applies: "Verify / confirm about an identity, a person or a face, not negated.",
  },
  {
    id: "fid.search-reference",
    purpose: "facial-identification",
    example: "Find this guy on social media.",
    applies:
      "Find / search / check / run against with a person or face and a gallery (database, social media, other photos), or a gallery of people by nature (mugshots, watchlist).",
  },
  {
    id: "fid.reidentify",
    purpose: "facial-identification",
    example: "Find every frame where this man appears.",
    applies:
      "A person or face with appear / find / track and a beyond-this-image cue (`again`, `elsewhere`, `across`, other cameras, a gallery), in a sentence with no face action.",
  },
  {
    id: "fid.which-person",
    purpose: "facial-identification",
    example: "Which of our employees is the person at the door in this photo?",
    applies:
      "Which + a person noun, after an identity verb or asked of another person or this (`identify which employee is at the door`); not with clothing, mood, counts or objects asked about in the sentence.",
  },
  {
    id: "fid.person-in-reference",
    purpose: "facial-identification",
    example: "Is he in our gang database?",
    applies:
      "A person or face next to a gallery of people by nature (mugshots, watchlist, gang database) in a sentence that asks nothing else about the image.",
  },
  {
    id: "fid.scored",
    purpose: "facial-identification",
    example: "Who exactly is the woman waving in this photo?",
    applies:
      'Sentence-level scoring, only in a sentence no rule above claimed and a text that points at an image or reference (image, this/that, gallery, face): an identity cue (who-word, identify/name/know/find out, match) with a person or face within 5 words (12 CJK characters) either way, words in between allowed; not past a thing or a question word between them, not "the suspect\'s car", not a relative who, not with a topic, data, recipient or face-action word in the sentence (unless the action is the verb of the identity noun: `kimliğini tespit et`).',
  },
  {
    id: "fver.scored",
    purpose: "facial-verification",
    example: "Ist die Person auf Foto 2 dieselbe wie auf Foto 1?",
    applies: "The same with a verification cue (same, same person, verify) instead.",
  },
  {
    id: "fdet.face-action",
    purpose: "face-detection",
    example: "Count the faces in this photo.",
    applies:
      "Count, blur, pixelate, redact, detect, locate, crop or box near a face (a search against a gallery is not one).",
  },
  {
    id: "scene.count-people",
    purpose: "scene-description",
    example: "How many people are in this photo?",
    applies: "Count / how many with people and no face in the sentence.",
  },
  {
    id: "fana.attribute",
    purpose: "face-analysis",
    example: "What emotion does the face in this photo show?",
    applies: "A face-analysis term (emotion, expression, age, gender) in the sentence.",
  },
  {
    id: "pdesc.attribute",
    purpose: "person-description",
    example: "What is the man in this photo wearing?",
    applies: "A person-description term (clothing, height, what someone is doing) in the sentence.",
  },
  {
    id: "pdesc.describe-person",
    purpose: "person-description",
    example: "Describe the man in this photo.",
    applies: "A describe verb whose nearest object is a person.",
  },
  {
    id: "ocr.read",
    purpose: "text-extraction",
    example: "Read the plate in this photo.",
    applies: "A text-extraction term (OCR, read, the plate, the sign) in the sentence.",
  },
  {
    id: "scene.describe",
    purpose: "scene-description",
    example: "Describe this photo.",
    applies: "A describe verb about anything but a person.",
  },
] as const satisfies readonly RuleRow[];

/** A rule id of the table; the only ids `applyRules` can emit. */
export type RuleId = (typeof RULES)[number]["id"];

const PURPOSE_OF: ReadonlyMap<string, Purpose> = new Map(RULES.map((r) => [r.id, r.purpose]));

/** The purpose a rule reports, for `applyRules`. */
export function purposeOf(id: RuleId): Purpose {
  return PURPOSE_OF.get(id)!;
}

/** The evidence name of a rule in one language: `fid.who-is` in English is `fid.en.who-is`. */
export function ruleName(id: RuleId, lang: string): string {
  const dot = id.indexOf(".");
  return `${id.slice(0, dot)}.${lang}.${id.slice(dot + 1)}`;
}
