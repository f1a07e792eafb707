import { createHash } from "node:crypto";

const WORDS: readonly string[] = (
  "the simulated deployment answers with plausible text so that clients see a real stream of " +
  "tokens arriving over time while tests measure latency and check every chunk azure would send " +
  "policy gateway request image camera frame scene shows street light building vehicle sign " +
  "window door tree sky road"
).split(" ");

/**
 * A deterministic pseudo-random generator (xorshift32) seeded from a string, so the same request
 * always gets the same words and vectors: tests can compare a stream with its non-stream twin.
 */
export function seededRandom(seed: string): () => number {
  let state = createHash("sha256").update(seed).digest().readUInt32LE(0) || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

/**
 * The answer's words, one per content chunk: the first chunk is the bare word, later ones carry a
 * leading space, so concatenating the chunks gives the non-stream content exactly.
 */
export function answerChunks(seed: string, count: number): string[] {
  const random = seededRandom(seed);
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) {
    const word = WORDS[Math.floor(random() * WORDS.length)] ?? "token";
    chunks.push(i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`);
  }
  if (chunks.length > 0) chunks[chunks.length - 1] += ".";
  return chunks;
}

/** Rough token count (4 characters a token, OpenAI's rule of thumb); at least 1 for any text. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/** Tokens Azure bills for one low-detail image input. */
export const IMAGE_TOKENS = 85;

/**
 * Every string inside a JSON value that a model would read (message text, instructions), plus the
 * number of image parts, walking arrays and objects. Keys are skipped; `image_url`/`input_image`
 * parts count as images, and no `data:` payload is read as text.
 */
export function collectPromptText(value: unknown): { text: string; images: number } {
  const texts: string[] = [];
  let images = 0;
  const walk = (node: unknown): void => {
    if (typeof node === "string") {
      // Inline payloads (`data:` URLs of files and audio) are not prose: keep them out of the count.
      if (!node.startsWith("data:")) texts.push(node);
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item);
    } else if (typeof node === "object" && node !== null) {
      const record = node as Record<string, unknown>;
      if (record["type"] === "image_url" || record["type"] === "input_image") {
        images++;
        return;
      }
      for (const [key, child] of Object.entries(record)) {
        if (key !== "type" && key !== "role") walk(child);
      }
    }
  };
  walk(value);
  return { text: texts.join("\n"), images };
}

/** What the simulated model will say: its chunks, and why it stops. */
export interface AnswerPlan {
  readonly chunks: readonly string[];
  readonly finishReason: "stop" | "length";
}

/** Plans an answer of `chunks` words, cut at `maxTokens` (one token a word) with `length`. */
export function planAnswer(
  seed: string,
  chunks: number,
  maxTokens: number | undefined,
): AnswerPlan {
  if (maxTokens !== undefined && maxTokens < chunks) {
    return { chunks: answerChunks(seed, chunks).slice(0, maxTokens), finishReason: "length" };
  }
  return { chunks: answerChunks(seed, chunks), finishReason: "stop" };
}
