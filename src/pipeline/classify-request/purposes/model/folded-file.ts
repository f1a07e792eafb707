/**
 * The shipped form of the purpose model (`models/purpose/model.folded`): the folded model of
 * fasttext-linear.ts written as it is, so the gateway loads one number per row and the vocabulary
 * instead of the sixteen-number rows and output matrix of the fastText model they come from, and
 * an average of several trained models (an ensemble) ships and runs at the cost of one.
 *
 * Layout, little-endian: the 8 bytes `PGFOLD01`; a u32 length and that many bytes of JSON
 * (`{args, positive, words, rows}`: the fastText arguments a prediction needs, the label, the
 * vocabulary size and the row count); a u32 length and the vocabulary's words in row order, UTF-8,
 * separated by `\n` (fastText words never hold white space); zero padding to a multiple of 4; then
 * one float32 share per row.
 */
import type { FastTextArgs, Folded } from "./fasttext-linear.js";
import { Vocabulary } from "./vocabulary.js";

const MAGIC = "PGFOLD01";

interface Header {
  args: FastTextArgs;
  positive: string;
  words: number;
  rows: number;
}

/** The bytes of a folded model. */
export function writeFolded(model: Folded): Buffer {
  const header: Header = {
    args: model.args,
    positive: model.positive,
    words: model.words.size,
    rows: model.share.length,
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const words = model.words.packed();
  const head = 8 + 4 + json.length + 4 + words.length;
  const pad = (4 - (head % 4)) % 4;
  const out = Buffer.alloc(head + pad + model.share.length * 4);
  out.write(MAGIC, 0, "latin1");
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  out.writeUInt32LE(words.length, 12 + json.length);
  out.set(words, 16 + json.length);
  const shares = new Float32Array(out.buffer, out.byteOffset + head + pad, model.share.length);
  shares.set(model.share);
  return out;
}

/** Reads a folded model, checking its shape; a file of another kind is refused, saying why. */
export function readFolded(bytes: Buffer): Folded {
  if (bytes.length < 16 || bytes.toString("latin1", 0, 8) !== MAGIC) {
    throw new Error(`not a folded purpose model (expected ${MAGIC} at the start)`);
  }
  const jsonLength = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.toString("utf8", 12, 12 + jsonLength)) as Header;
  const wordsAt = 16 + jsonLength;
  const wordsLength = bytes.readUInt32LE(12 + jsonLength);
  const head = wordsAt + wordsLength;
  const sharesAt = head + ((4 - (head % 4)) % 4);
  if (sharesAt + header.rows * 4 !== bytes.length) {
    throw new Error("folded purpose model: truncated or damaged (sizes do not match its header)");
  }
  // A copy of the words' bytes: the vocabulary keeps them, not the whole file.
  let words: Vocabulary;
  try {
    words = new Vocabulary(new Uint8Array(bytes.subarray(wordsAt, head)), header.words);
  } catch {
    throw new Error("folded purpose model: truncated or damaged (its word count does not match)");
  }
  // Sliced out into a buffer of its own: the file's buffer may not be 4-byte aligned.
  const share = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset + sharesAt, bytes.byteOffset + bytes.length),
  );
  return { args: header.args, positive: header.positive, words, share };
}

/**
 * The average of models trained on the same data (different seeds or orders): a text's log-odds
 * under it are the mean of the models' log-odds, since each is a mean of row shares over the same
 * rows. Words are matched by name (fastText may number tied words differently); the models must
 * share their arguments and vocabulary.
 */
export function averageFolded(models: readonly Folded[]): Folded {
  const first = models[0];
  if (first === undefined) throw new Error("no models to average");
  const bucket = first.args.bucket;
  const share = new Float32Array(first.share.length);
  for (const m of models) {
    if (JSON.stringify(m.args) !== JSON.stringify(first.args) || m.positive !== first.positive) {
      throw new Error("averaged models must share their arguments and label");
    }
    if (m.words.size !== first.words.size) {
      throw new Error("averaged models must share their vocabulary");
    }
    for (let i = 0; i < first.words.size; i++) {
      const at = m.words.idOfWord(first.words.wordAt(i));
      if (at < 0) throw new Error("averaged models must share their vocabulary");
      share[i]! += m.share[at]! / models.length;
    }
    const offset = m.words.size;
    for (let b = 0; b < bucket; b++) share[offset + b]! += m.share[offset + b]! / models.length;
  }
  return { ...first, share };
}
