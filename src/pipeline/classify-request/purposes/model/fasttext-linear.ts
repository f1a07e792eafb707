/**
 * A fastText supervised model (binary format version 12, as `fasttext.wasm.js` saves it) read into
 * the one number per input row that a two-label prediction needs.
 *
 * Why not predict through the library: a fastText prediction is the mean of the input rows of a
 * text's words, character n-grams and word n-grams, times the output matrix, then a softmax. With
 * two labels the probability of one is the logistic of the difference of their outputs, which is
 * linear in the mean, so each input row can be folded once, at load, into its share of that
 * difference: a text's log-odds are the mean of its rows' shares. That makes a window of tokens
 * cost one subtraction of prefix sums instead of a call into WebAssembly (the library's per-call
 * cost was most of the classifier's budget), keeps 1.3 MB of numbers instead of 21 MB of matrices,
 * and gives every loaded model its own weights (fasttext.wasm.js 1.0.0 answers with the first
 * model's weights for every model in a process). The probabilities equal the library's (unit test
 * `fasttext-linear.test.ts` compares them on the validation set). Training still uses the library.
 *
 * The format and the hashing follow fastText's `Dictionary` (`hash`, `computeSubwords`,
 * `addWordNgrams`, `getLine`) and `Model::predict` with `loss: softmax`.
 */

import { fastTextHash, Vocabulary } from "./vocabulary.js";

const MAGIC = 793712314;
const VERSION = 12;
const EOS = "</s>";
const BOW = "<";
const EOW = ">";
/** fastText's prediction adds this inside its logarithm (`std_log`); its probabilities too. */
const LOG_EPSILON = 1e-5;

/** The training arguments a prediction depends on. */
export interface FastTextArgs {
  dim: number;
  wordNgrams: number;
  bucket: number;
  minn: number;
  maxn: number;
}

/** What one text contributes: the sum of its rows' shares and how many rows there were. */
export interface RowSum {
  sum: number;
  count: number;
}

/** A token's own rows (word id and character n-grams) and its word hash. */
interface TokenRows extends RowSum {
  hash: number;
}

/** A fastText model folded for one label: all a prediction of that label needs. */
export interface Folded {
  args: FastTextArgs;
  /** The vocabulary's words in row order (labels excluded). */
  words: Vocabulary;
  /** Per input row (the words, then the hash buckets), its share of the label's log-odds. */
  share: Float32Array;
  /** The label whose log-odds the shares are. */
  positive: string;
}

/** A two-label fastText model folded for prediction; see the file comment. */
export class FastTextLinear {
  /** Per token seen, its rows' sum and count (word id and character n-grams); bounded. */
  private readonly tokenCache = new Map<string, TokenRows>();
  /** The end-of-line token every line ends with (a word row when the vocabulary has it). */
  private readonly eos: RowSum;
  private readonly words: Vocabulary;
  private readonly nwords: number;
  private readonly share: Float32Array;
  /** The word n-gram hash being computed (one per model: predictions are synchronous). */
  private readonly hash = new Word64();
  /** 2^32 modulo the bucket count, for {@link Word64.mod}. */
  private readonly twoTo32ModBucket: number;
  readonly args: FastTextArgs;

  constructor(readonly folded: Folded) {
    if (folded.share.length !== folded.words.size + folded.args.bucket) {
      throw new Error("folded model: one share per word and per bucket is needed");
    }
    this.args = folded.args;
    this.share = folded.share;
    this.nwords = folded.words.size;
    this.twoTo32ModBucket = TWO_32 % folded.args.bucket;
    this.words = folded.words;
    const id = this.words.idOfWord(EOS);
    this.eos = id < 0 ? { sum: 0, count: 0 } : { sum: this.share[id]!, count: 1 };
  }

  /** Whether `word` (a model token) is one of the words the model was trained with. */
  knows(word: string): boolean {
    return this.words.idOfWord(word) >= 0;
  }

  /** Probability of the positive label for one line, as fastText's `predict` would give it. */
  probability(line: string): number {
    return this.probabilityOf(tokensOf(line));
  }

  /** {@link probability} of a line already split into fastText's words. */
  probabilityOf(tokens: readonly string[]): number {
    return this.bestWindowOf(tokens, Number.MAX_SAFE_INTEGER, 1);
  }

  /**
   * The highest probability over windows of `size` tokens starting every `stride` tokens (the
   * line whole when it has at most `size + stride` tokens), each window scored as if it were its
   * own line: its tokens, the word n-grams inside it, and the end-of-line token with the word
   * n-grams it ends. Token rows and inner word n-grams come from prefix sums, so overlapping
   * windows cost about one pass over the line.
   */
  bestWindow(line: string, size: number, stride: number): number {
    return this.bestWindowOf(tokensOf(line), size, stride);
  }

  /** {@link bestWindow} over a line already split into fastText's words. */
  bestWindowOf(tokens: readonly string[], size: number, stride: number): number {
    const n = tokens.length;
    const whole = n <= size + stride;
    const hashes = new Int32Array(n);
    const rowSum = new Float64Array(n + 1);
    const rowCount = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const r = this.tokenRows(tokens[i]!);
      hashes[i] = r.hash;
      rowSum[i + 1] = rowSum[i]! + r.sum;
      rowCount[i + 1] = rowCount[i]! + r.count;
    }
    const longest = this.args.wordNgrams;
    const gram = this.wordNgramPrefixes(hashes, longest);
    let best = 0;
    for (let at = 0; at < n || at === 0; at += stride) {
      const end = whole ? n : Math.min(n, at + size);
      let sum = rowSum[end]! - rowSum[at]! + this.eos.sum;
      let count = rowCount[end]! - rowCount[at]! + this.eos.count;
      for (let len = 2; len <= longest; len++) {
        // The n-grams wholly inside the window, then those that end with the end-of-line token.
        const last = end - len + 1;
        if (last > at) {
          sum += gram[len - 2]![last]! - gram[len - 2]![at]!;
          count += last - at;
        }
        const from = end + 1 - len;
        if (from >= at) {
          sum += this.ngramShare(hashes, from, len, true);
          count++;
        }
      }
      if (count > 0) best = Math.max(best, probabilityOf(sum / count));
      if (end >= n) break;
    }
    return best;
  }

  /**
   * gram[len - 2][i]: prefix sum of the shares of the word n-grams of `len` words starting before
   * token i (only those that end inside the line). The n-grams starting at one token share their
   * hash's first steps, so each token's longer n-grams extend its shorter one's hash.
   */
  private wordNgramPrefixes(hashes: Int32Array, longest: number): Float64Array[] {
    const n = hashes.length;
    const gram: Float64Array[] = [];
    for (let len = 2; len <= longest; len++) gram.push(new Float64Array(n + 1));
    const h = this.hash;
    for (let i = 0; i < n; i++) {
      h.set(hashes[i]!);
      for (let len = 2; len <= longest; len++) {
        const prefix = gram[len - 2]!;
        const inside = i + len <= n;
        let share = 0;
        if (inside) {
          h.mulAdd(WORD_NGRAM_PRIME, hashes[i + len - 1]!);
          share = this.share[this.nwords + h.mod(this.args.bucket, this.twoTo32ModBucket)]!;
        }
        prefix[i + 1] = prefix[i]! + share;
      }
    }
    return gram;
  }

  /**
   * The share of the word n-gram of `len` (2 or more) words starting at token `from` (its last
   * word the end-of-line token when `endsLine`): fastText hashes a run of words in 64-bit
   * unsigned arithmetic over their (sign-extended) 32-bit hashes.
   */
  private ngramShare(hashes: Int32Array, from: number, len: number, endsLine: boolean): number {
    const h = this.hash;
    h.set(hashes[from]!);
    for (let k = 1; k < len; k++) {
      const next = endsLine && k === len - 1 ? EOS_HASH : hashes[from + k]!;
      h.mulAdd(WORD_NGRAM_PRIME, next);
    }
    return this.share[this.nwords + h.mod(this.args.bucket, this.twoTo32ModBucket)]!;
  }

  /** A token's word row (when in the vocabulary), its character n-gram rows and hash; cached. */
  private tokenRows(token: string): TokenRows {
    const cached = this.tokenCache.get(token);
    if (cached !== undefined) return cached;
    const bytes = Buffer.from(token, "utf8");
    let sum = 0;
    let count = 0;
    const hash = fastTextHash(bytes, 0, bytes.length);
    const id = this.words.idOf(bytes, hash);
    if (id >= 0) {
      sum += this.share[id]!;
      count++;
    }
    if (this.args.maxn > 0) {
      const word = Buffer.concat([BOW_BYTES, bytes, EOW_BYTES]);
      for (const h of subwordHashes(word, this.args.minn, this.args.maxn)) {
        sum += this.share[this.nwords + (h % this.args.bucket)]!;
        count++;
      }
    }
    const rows = { sum, count, hash: hash | 0 };
    if (this.tokenCache.size >= TOKEN_CACHE_SIZE) this.tokenCache.clear();
    this.tokenCache.set(token, rows);
    return rows;
  }
}

const BOW_BYTES = Buffer.from(BOW);
const EOW_BYTES = Buffer.from(EOW);
const EOS_HASH = fastTextHash(Buffer.from(EOS), 0, EOS.length) | 0;
/** How many distinct tokens the per-model cache keeps before it starts again. */
const TOKEN_CACHE_SIZE = 50_000;
const WORD_NGRAM_PRIME = 116049371;

/** The logistic of the log-odds plus fastText's epsilon (`predict` returns exp(log(p + 1e-5))). */
function probabilityOf(logit: number): number {
  return 1 / (1 + Math.exp(-logit)) + LOG_EPSILON;
}

/**
 * fastText's words of a line: split on its whitespace set, up to the first newline or end-of-line
 * token (where its `getLine` stops; the end-of-line token is added by the caller). Tokens with the
 * label prefix are labels, not words: fastText gives them no row and no place in word n-grams.
 */
function tokensOf(line: string): string[] {
  const nl = line.indexOf("\n");
  const text = nl === -1 ? line : line.slice(0, nl);
  // The gateway's lines are single-spaced (model-text.ts): split on the space alone when it can.
  const tokens = OTHER_SPACE.test(text) ? text.split(/[ \r\t\v\f\0]+/) : text.split(" ");
  const out: string[] = [];
  for (const t of tokens) {
    if (t === EOS) break;
    if (t !== "" && !t.startsWith(LABEL_PREFIX)) out.push(t);
  }
  return out;
}
const LABEL_PREFIX = "__label__";

/**
 * Tokens split on the space alone (model-text.ts's `modelWords`) as fastText's words: the same
 * list, unless a token holds what fastText's reading of the joined line would split or drop (NUL,
 * the end-of-line token, a label). Spares the model a join and a split of every line it scores.
 */
export function asFastTextWords(tokens: readonly string[]): readonly string[] {
  for (const t of tokens) {
    if (t.includes("\0") || t === EOS || t.startsWith(LABEL_PREFIX)) {
      return tokensOf(tokens.join(" "));
    }
  }
  return tokens;
}
const OTHER_SPACE = /[\r\t\v\f\0]/;

/** fastText's `computeSubwords`: the hashes of the character n-grams (UTF-8 aware) of `word`. */
export function subwordHashes(word: Uint8Array, minn: number, maxn: number): number[] {
  const out: number[] = [];
  const size = word.length;
  for (let i = 0; i < size; i++) {
    if ((word[i]! & 0xc0) === 0x80) continue;
    let j = i;
    for (let n = 1; j < size && n <= maxn; n++) {
      j++;
      while (j < size && (word[j]! & 0xc0) === 0x80) j++;
      if (n >= minn && !(n === 1 && (i === 0 || j === size))) out.push(fastTextHash(word, i, j));
    }
  }
  return out;
}

/**
 * fastText's 64-bit unsigned word n-gram hash, held as two 32-bit halves in exact double
 * arithmetic (a BigInt per step cost more than the rest of the prediction). Divisions by powers
 * of two and floor divisions stand in for `%`, which V8 runs as a call to `fmod` on doubles: every
 * operand stays below 2^53, where the floor of a quotient is exact.
 */
class Word64 {
  hi = 0;
  lo = 0;
  /** Starts from a 32-bit hash stored as `int32_t`, sign-extended as C++ converts it. */
  set(signed32: number): void {
    this.hi = signed32 < 0 ? 0xffffffff : 0;
    this.lo = signed32 >>> 0;
  }
  /** `this * k + sext(add)` modulo 2^64, for k < 2^27 (16-bit limbs: every step stays exact). */
  mulAdd(k: number, add: number): void {
    const lo = this.lo;
    const p0 = (lo & 0xffff) * k; // < 2^43
    const p1 = (lo >>> 16) * k; // < 2^43
    // lo * k = p1 * 2^16 + p0; its low 32 bits and the carry into the high half.
    const mid = (p1 & 0xffff) * 65536 + p0; // < 2^44
    const midHigh = Math.floor(mid / TWO_32);
    const newLo = mid - midHigh * TWO_32;
    const carry = midHigh + Math.floor(p1 / 65536);
    let hi = (Math.imul(this.hi, k) >>> 0) + carry;
    let sumLo = newLo + (add >>> 0);
    if (sumLo >= TWO_32) {
      sumLo -= TWO_32;
      hi += 1;
    }
    if (add < 0) hi += 0xffffffff;
    this.lo = sumLo;
    // hi < 2^35: `>>> 0` takes it modulo 2^32 exactly.
    this.hi = hi >>> 0;
  }
  /** `this mod m` for m < 2^21, given `twoTo32` = 2^32 mod m. */
  mod(m: number, twoTo32: number): number {
    const hi = this.hi - Math.floor(this.hi / m) * m;
    const lo = this.lo - Math.floor(this.lo / m) * m;
    const x = hi * twoTo32 + lo; // < 2^43
    return x - Math.floor(x / m) * m;
  }
}
const TWO_32 = 4294967296;

/** A cursor over the little-endian binary model. */
class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  i32(): number {
    const v = this.buf.readInt32LE(this.at);
    this.at += 4;
    return v;
  }
  i64(): number {
    const v = this.buf.readBigInt64LE(this.at);
    this.at += 8;
    return Number(v);
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  u8(): number {
    return this.buf[this.at++]!;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.at);
    if (end < 0) throw new Error("fastText model truncated: unterminated string");
    const s = this.buf.toString("utf8", this.at, end);
    this.at = end + 1;
    return s;
  }
  matrix(): { rows: number; cols: number; data: Float32Array } {
    const rows = this.i64();
    const cols = this.i64();
    const bytes = rows * cols * 4;
    if (this.at + bytes > this.buf.length) throw new Error("fastText model: truncated matrix");
    // A copy into an aligned buffer (fastText writes little-endian floats, as Node's hosts are).
    const start = this.buf.byteOffset + this.at;
    const data = new Float32Array(this.buf.buffer.slice(start, start + bytes));
    this.at += bytes;
    return { rows, cols, data };
  }
}

const LOSS_SOFTMAX = 3;

/**
 * Parses a saved fastText supervised model (`saveModel`) with two labels and softmax loss, and
 * folds it for the label `positive`. Quantised models and other losses are refused, saying why.
 */
export function readFastTextBinary(bytes: Buffer, positive: string): FastTextLinear {
  const r = new Reader(bytes);
  if (r.i32() !== MAGIC) throw new Error("not a fastText model (bad magic number)");
  const version = r.i32();
  if (version !== VERSION)
    throw new Error(`fastText model version ${version}, expected ${VERSION}`);
  const dim = r.i32();
  r.i32(); // ws
  r.i32(); // epoch
  r.i32(); // minCount
  r.i32(); // neg
  const wordNgrams = r.i32();
  const loss = r.i32();
  r.i32(); // model
  const bucket = r.i32();
  const minn = r.i32();
  const maxn = r.i32();
  r.i32(); // lrUpdateRate
  r.f64(); // t
  if (loss !== LOSS_SOFTMAX) throw new Error(`fastText model loss ${loss}: only softmax is read`);
  const size = r.i32();
  const nwords = r.i32();
  const nlabels = r.i32();
  r.i64(); // ntokens
  const pruneIdxSize = r.i64();
  const words: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < size; i++) {
    const word = r.cstring();
    r.i64(); // count
    const type = r.u8();
    // fastText keeps the words before the labels: a word's row is its index.
    if (type === 0) words.push(word);
    else labels.push(word);
  }
  if (pruneIdxSize > 0) throw new Error("fastText model: pruned (quantised) models are not read");
  if (words.length !== nwords || labels.length !== nlabels) {
    throw new Error("fastText model: dictionary counts do not match");
  }
  if (r.u8() !== 0) throw new Error("fastText model: quantised input matrix is not read");
  const input = r.matrix();
  if (r.u8() !== 0) throw new Error("fastText model: quantised output matrix is not read");
  const output = r.matrix();
  if (input.cols !== dim || output.cols !== dim || input.rows !== nwords + bucket) {
    throw new Error("fastText model: matrix shapes do not match its arguments");
  }
  if (nlabels !== 2 || output.rows !== 2) {
    throw new Error(`fastText model has ${nlabels} labels; the purpose model needs two`);
  }
  const pos = labels.indexOf(positive);
  if (pos < 0) throw new Error(`fastText model has no label ${positive}`);
  const neg = 1 - pos;
  const w = new Float64Array(dim);
  for (let k = 0; k < dim; k++) {
    w[k] = output.data[pos * dim + k]! - output.data[neg * dim + k]!;
  }
  const share = new Float32Array(input.rows);
  for (let row = 0; row < input.rows; row++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += w[k]! * input.data[row * dim + k]!;
    share[row] = s;
  }
  return new FastTextLinear({
    args: { dim, wordNgrams, bucket, minn, maxn },
    words: Vocabulary.fromWords(words),
    share,
    positive,
  });
}
