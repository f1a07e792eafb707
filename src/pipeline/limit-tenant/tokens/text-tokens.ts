/**
 * Text tokens with a bounded cost. Text up to `maxTokenizedChars` (all texts together) goes
 * through the tokenizer; larger text is estimated from random windows that add up to that many
 * characters, one window in each equal stretch of the text, scaled to the whole length. The cost
 * is then bounded by the budget, not by the body (up to 50 MiB), and a prompt cannot steer the
 * estimate by making its first part or any fixed positions cheap. Budget 0: characters / 4.
 * Pure: the counter and the random source are passed in (docs/limits-tokens.md#text).
 */
import type { TokenCounter } from "./encodings.js";

/** How the text tokens were obtained. */
export type TextMethod = "tokenized" | "sampled" | "characters";

/** Characters tokenized exactly before sampling takes over (the default budget). */
export const DEFAULT_MAX_TOKENIZED_CHARS = 16 * 1024;

/**
 * The longest piece handed to the tokenizer at once. Its merge step is quadratic in a piece's
 * length and text without spaces (Chinese, Thai, `aaaa...`) is one piece: 64 Ki characters of it
 * take about 15 s in one call. Pieces are cut before a space where there is one, which leaves
 * the count unchanged (but after punctuation followed by a line break, which the encodings join),
 * else after 128 characters, which adds at most about one token per cut.
 */
export const SEGMENT_CHARS = 128;

/** The length of one sampling window. */
export const WINDOW_CHARS = 1024;

/** Per chat message: `<|im_start|>`, the role, the separator and `<|im_end|>`. */
export const MESSAGE_TOKENS = 4;

/** Once per chat call: the reply's primer `<|im_start|>assistant<|im_sep|>`. */
export const REPLY_PRIMER_TOKENS = 3;

/** The framing tokens of `messages` chat messages (0 when there are none). */
export function messageTokens(messages: number | undefined): number {
  if (messages === undefined || !(messages >= 1) || !Number.isFinite(messages)) return 0;
  return Math.floor(messages) * MESSAGE_TOKENS + REPLY_PRIMER_TOKENS;
}

/** Text tokens and how they were obtained. */
export interface TextCount {
  tokens: number;
  method: TextMethod;
}

/** Counts (or estimates) the tokens of `texts` within a budget of `maxTokenizedChars`. */
export function countTextTokens(
  count: TokenCounter,
  texts: readonly string[],
  maxTokenizedChars: number,
  random: () => number,
): TextCount {
  let total = 0;
  for (const text of texts) total += text.length;
  if (total <= maxTokenizedChars) {
    let tokens = 0;
    for (const text of texts) tokens += countRange(count, text, 0, text.length);
    return { tokens, method: "tokenized" };
  }
  if (maxTokenizedChars < 1) return { tokens: Math.ceil(total / 4), method: "characters" };
  return { tokens: sample(count, texts, total, maxTokenizedChars, random), method: "sampled" };
}

/**
 * Stratified sampling: `budget / WINDOW_CHARS` windows, one at a random place in each stratum; a
 * window that reaches the end of a text goes on into the next, so small messages are sampled in
 * full windows too.
 */
function sample(
  count: TokenCounter,
  texts: readonly string[],
  total: number,
  budget: number,
  random: () => number,
): number {
  const windows = Math.max(1, Math.floor(budget / WINDOW_CHARS));
  const width = Math.min(WINDOW_CHARS, budget);
  const stratum = total / windows;
  const starts: number[] = [];
  let at = 0;
  for (const text of texts) {
    starts.push(at);
    at += text.length;
  }
  let tokens = 0;
  let chars = 0;
  for (let k = 0; k < windows; k++) {
    const u = Math.min(Math.max(random(), 0), 1);
    const offset = Math.floor(k * stratum + u * Math.max(0, stratum - width));
    let i = textAt(starts, offset);
    let from = offset - starts[i]!;
    for (let left = width; left > 0 && i < texts.length; i++, from = 0) {
      const text = texts[i]!;
      const to = Math.min(text.length, from + left);
      tokens += countRange(count, text, from, to);
      chars += to - from;
      left -= to - from;
    }
  }
  return chars === 0 ? Math.ceil(total / 4) : Math.ceil((tokens * total) / chars);
}

/** The index of the text holding global offset `offset` (the last start at or before it). */
function textAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Tokens of `text[from, to)`, handed to the tokenizer in pieces of at most SEGMENT_CHARS. */
export function countRange(count: TokenCounter, text: string, from: number, to: number): number {
  let start = from > 0 && isLowSurrogate(text.charCodeAt(from)) ? from + 1 : from;
  let tokens = 0;
  while (start < to) {
    const end = start + SEGMENT_CHARS >= to ? to : segmentEnd(text, start, start + SEGMENT_CHARS);
    tokens += count(text.slice(start, end));
    start = end;
  }
  return tokens;
}

/**
 * Where a piece starting at `start` ends, at most at `limit`: before the last whitespace run
 * that follows a non-space (a boundary of the encodings' own pre-split), else at `limit`, moved
 * back one so as not to split a surrogate pair.
 */
function segmentEnd(text: string, start: number, limit: number): number {
  for (let cut = limit; cut > start; cut--) {
    if (isSpace(text.charCodeAt(cut)) && !isSpace(text.charCodeAt(cut - 1))) return cut;
  }
  return isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
