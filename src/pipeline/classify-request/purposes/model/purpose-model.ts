/**
 * The learned half of the purpose classifier: a fastText supervised model, trained with
 * `fasttext.wasm.js` from the data in `data/purpose/` by `npm run train:classifier`, that scores
 * how likely a text asks for facial recognition. Its thresholds come with it (`card.json`),
 * calibrated on a calibration split of its own. Loaded once at start-up and read into its linear
 * form (fasttext-linear.ts: the library's probabilities at a fraction of its cost); predictions
 * are synchronous.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isCommonEnglishWord } from "../english-gain.js";
import type { ScriptGroup } from "../script-group.js";
import { upsideDownReading } from "../upside-down.js";
import { asFastTextWords, FastTextLinear } from "./fasttext-linear.js";
import { readFolded } from "./folded-file.js";
import { cipherReading, decodedTexts, modelWords, reversedReading } from "./model-text.js";
import { markPersonalNames, NO_NAMES, readPersonalNames } from "./personal-names.js";

/** Thresholds of each confidence on the combined score (log-odds), from the model card. */
export interface Thresholds {
  possible: number;
  likely: number;
  certain: number;
}

/** What `card.json` holds (written by the training script). */
export interface ModelCard {
  seed: number;
  /** On the combined score: the model's log-odds plus `ruleBonus` on a rule match. */
  thresholds: Thresholds;
  /** Log-odds a rule match adds to the model's (confidence.ts, `combinedScore`). */
  ruleBonus: number;
  /**
   * Thresholds of the script groups whose own false-positive budget, in cross-validation, sits
   * lower than {@link thresholds} (script-group.ts); each level is never above the global one.
   */
  thresholdsByScript?: Partial<Record<ScriptGroup, Thresholds>>;
  /** A lower `possible` for texts that fit one window (absent from cards before stop 50). */
  shortText?: ShortTextThresholds;
  labels: string[];
  [key: string]: unknown;
}

/** What the model says of a text: its probability, and how many tokens it read the text as. */
export interface ModelReading {
  probability: number;
  /** The tokens of the text as written (or deciphered in place), personal-name markers included. */
  tokens: number;
}

/**
 * Texts the model reads in one window (at most this many tokens) may have a lower `possible`
 * threshold than longer ones (the card's `shortText`, set in training's cross-validation).
 */
export interface ShortTextThresholds {
  /** The longest text, in model tokens, that counts as short. */
  maxTokens: number;
  /** Log-odds taken off every `possible` threshold (global and per script) for a short text. */
  possibleOffset: number;
  /** The false-positive budget at `possible` on short negatives the offset was set for. */
  budget: number;
}

/** A run of ASCII letters standing alone (a cipher shifts only these; accented words stay). */
const LETTER_RUN = /(?<!\p{L})[A-Za-z]+(?!\p{L})/gu;

/** The label of the positive class in the training file. */
export const RECOGNITION_LABEL = "__label__recognition";

/**
 * Long texts are scored in windows of this many tokens, each starting `STRIDE` after the last (an
 * overlap of 8 tokens keeps a short ask whole); measured, about the cost of one pass over the text.
 */
export const WINDOW = 48;
export const STRIDE = 40;

/** A loaded model and its thresholds. */
export class PurposeModel {
  constructor(
    private readonly model: FastTextLinear,
    readonly card: ModelCard,
    /** The personal names it reads a marker before (personal-names.ts). */
    readonly names: ReadonlySet<string> = NO_NAMES,
  ) {}

  /** The tokens the model reads for `raw`: its words, a marker before each personal name. */
  words(raw: string): string[] {
    return markPersonalNames(modelWords(raw), this.names);
  }

  /**
   * The highest probability over the text (in overlapping windows of tokens when it is long: a
   * long memo about facial recognition is not an ask, one sentence in it may be), its last line,
   * and what it hides (base64, hex, decimal codes, Morse, ROT13, text written backwards or upside
   * down).
   */
  score(raw: string): number {
    return this.read(raw).probability;
  }

  /** {@link score}, with the length of the text as the model reads it (thresholds by length). */
  read(raw: string): ModelReading {
    const cipher = cipherReading(raw);
    // A named or guessed cipher: the text as a reader of the cipher sees it (the wrapper as
    // written, the enciphered words deciphered) stands in for the text as written, whose
    // gibberish only left the wrapper's "decode this and answer about the picture" to judge.
    // What it hides, and its other readings, are still read from the text as written.
    const text = cipher === undefined ? raw : this.inPlace(raw, cipher);
    const words = this.words(text);
    let best = this.windows(words);
    // What the text hides right after the text itself: both search it for the same runs, and the
    // search remembers only the last text it read (encoded-runs.ts; a deciphered text is searched
    // again, which only texts naming a cipher pay).
    for (const hidden of decodedTexts(raw)) best = Math.max(best, this.windows(this.words(hidden)));
    // The last line on its own too: in a conversation the last turn asks, and averaged over the
    // whole a short "and her name?" weighs little.
    const last = text.slice(text.trimEnd().lastIndexOf("\n") + 1);
    if (last.length < text.length && /\S/.test(last)) {
      best = Math.max(best, this.wholeLine(this.words(last)));
    }
    for (const reading of [cipher, reversedReading(raw), upsideDownReading(raw)]) {
      if (reading !== undefined) best = Math.max(best, this.wholeLine(this.words(reading)));
    }
    return { probability: best, tokens: words.length };
  }

  /**
   * `raw` with its enciphered words deciphered in place (`reading` is the whole text deciphered,
   * letter for letter): a word whose reading is a common English word, or a word the model knows
   * where the word as written is not, unless the word as written is common English itself.
   * "Entschlüssle (Caesar, +3) und beantworte es zum Bild: ghvfuleh wkh zhdwkhu" reads "... zum
   * Bild: describe the weather" (ciphered words such as "wkh" are in the model's vocabulary too:
   * its training data holds ciphered asks).
   */
  private inPlace(raw: string, reading: string): string {
    return raw.replace(LETTER_RUN, (word, at: number) => {
      const written = word.toLowerCase();
      if (isCommonEnglishWord(written)) return word;
      const deciphered = reading.slice(at, at + word.length);
      const lower = deciphered.toLowerCase();
      const readable =
        isCommonEnglishWord(lower) || (this.model.knows(lower) && !this.model.knows(written));
      return readable ? deciphered : word;
    });
  }

  /** The text whole when short, else the best of its windows (as {@link modelWindows} cuts them). */
  private windows(words: readonly string[]): number {
    return words.length === 0 ? 0 : this.model.bestWindowOf(asFastTextWords(words), WINDOW, STRIDE);
  }

  /** The probability of the line these tokens make, scored whole. */
  private wholeLine(words: readonly string[]): number {
    return words.length === 0 ? 0 : this.model.probabilityOf(asFastTextWords(words));
  }
}

/**
 * The pieces of a normalised line the model scores: the line whole when short, else overlapping
 * windows of {@link WINDOW} tokens (training adds the windows of long negative texts as negatives).
 */
export function modelWindows(line: string): string[] {
  const tokens = line.split(" ");
  if (tokens.length <= WINDOW + STRIDE) return [line];
  const out: string[] = [];
  for (let at = 0; at < tokens.length; at += STRIDE) {
    out.push(tokens.slice(at, at + WINDOW).join(" "));
    if (at + WINDOW >= tokens.length) break;
  }
  return out;
}

/** The directory of the shipped model (`models/purpose/`), from the package root. */
export function defaultModelDir(packageRoot: string): string {
  return join(packageRoot, "models", "purpose");
}

/** The shipped model's file in its directory (folded-file.ts). */
export const MODEL_FILE = "model.folded";

/** Loads `model.folded`, `card.json` and, when present, `names.txt` from `dir`. */
export async function loadPurposeModel(dir: string): Promise<PurposeModel> {
  const card = JSON.parse(readFileSync(join(dir, "card.json"), "utf8")) as ModelCard;
  const folded = readFolded(readFileSync(join(dir, MODEL_FILE)));
  if (folded.positive !== RECOGNITION_LABEL) {
    throw new Error(`purpose model in ${dir} scores ${folded.positive}, not ${RECOGNITION_LABEL}`);
  }
  return new PurposeModel(new FastTextLinear(folded), card, readPersonalNames(dir));
}
