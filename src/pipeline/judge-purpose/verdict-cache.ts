/**
 * Judge verdicts by the SHA-256 of the normalised text they were given for, bounded in entries
 * and in time, so a repeated ask (a retry, a batch of the same prompt) costs one judge call.
 */
import { createHash } from "node:crypto";
import type { JudgeAnswer } from "./prompt.js";

/** The cache key of a text: its hash, never the text itself. */
export function verdictKey(normalisedText: string): string {
  return createHash("sha256").update(normalisedText).digest("base64url");
}

/** A time- and size-bounded map from text hash to verdict; the oldest entry goes first. */
export class VerdictCache {
  readonly #entries = new Map<string, { answer: JudgeAnswer; until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The verdict for `key` while it is fresh. */
  get(key: string): JudgeAnswer | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.until <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit.answer;
  }

  /** Keeps `answer` for `key` (nothing when the TTL is zero). */
  set(key: string, answer: JudgeAnswer): void {
    if (this.ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { answer, until: this.now() + this.ttlMs });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
