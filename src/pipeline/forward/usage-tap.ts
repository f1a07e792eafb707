/**
 * Token usage for the audit record, read from the response as it streams past without buffering
 * it: only the last few kilobytes are kept, and the last `"usage": {...}` object in them is parsed
 * at the end. Azure puts usage at the end of chat, completions, embeddings and Responses bodies, in
 * the final chunk of a chat stream (`stream_options.include_usage`) and in `response.completed`.
 */

/** Token counts as the audit record carries them. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

const TAIL_BYTES = 16 * 1024;
const USAGE_KEY = Buffer.from('"usage"');

/** Keeps the tail of a byte stream and extracts token usage from it at the end. */
export class UsageTap {
  #chunks: Buffer[] = [];
  #size = 0;

  /** Remembers the tail of the stream; O(1) amortised per chunk, never copies the whole body. */
  push(chunk: Buffer): void {
    if (chunk.length >= TAIL_BYTES) {
      this.#chunks = [chunk];
      this.#size = chunk.length;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size > 2 * TAIL_BYTES) {
      const joined = Buffer.concat(this.#chunks, this.#size).subarray(this.#size - TAIL_BYTES);
      this.#chunks = [joined];
      this.#size = joined.length;
    }
  }

  /** The usage reported in the tail, or undefined when there is none. */
  usage(): TokenUsage | undefined {
    if (this.#size === 0) return undefined;
    const tail = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    return extractUsage(tail);
  }
}

/** Finds the last non-null `"usage": {...}` object in `bytes` and normalises its counts. */
export function extractUsage(bytes: Buffer): TokenUsage | undefined {
  let at = bytes.lastIndexOf(USAGE_KEY);
  while (at >= 0) {
    const start = objectStart(bytes, at + USAGE_KEY.length);
    if (start >= 0) {
      const end = objectEnd(bytes, start);
      if (end > start) {
        const parsed = safeParse(bytes.toString("utf8", start, end + 1));
        const usage = parsed === undefined ? undefined : normalise(parsed);
        if (usage !== undefined) return usage;
      }
    }
    at = at === 0 ? -1 : bytes.lastIndexOf(USAGE_KEY, at - 1);
  }
  return undefined;
}

/** Index of the `{` that follows `"usage"` and a colon, skipping whitespace; -1 otherwise. */
function objectStart(bytes: Buffer, from: number): number {
  let i = from;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== 0x3a /* : */) return -1;
  i++;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return bytes[i] === 0x7b /* { */ ? i : -1;
}

/** Index of the `}` closing the object at `start`, honouring strings; -1 when cut off. */
function objectEnd(bytes: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i;
  }
  return -1;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function count(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function normalise(u: unknown): TokenUsage | undefined {
  if (u === null || typeof u !== "object") return undefined;
  const o = u as Record<string, unknown>;
  const prompt = count(o.prompt_tokens) ?? count(o.input_tokens);
  const completion = count(o.completion_tokens) ?? count(o.output_tokens) ?? 0;
  const total = count(o.total_tokens);
  if (prompt === undefined && total === undefined) return undefined;
  return {
    promptTokens: prompt ?? 0,
    completionTokens: completion,
    totalTokens: total ?? (prompt ?? 0) + completion,
  };
}
