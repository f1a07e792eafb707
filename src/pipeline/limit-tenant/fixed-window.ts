/**
 * A fixed-window rate limiter: each key may make `limit` calls per window; the window opens at
 * the key's first call after the previous one closed (not on clock boundaries), and a refused
 * call is told when the window closes. Pure: the caller passes the time. Used for what-if calls,
 * which reveal the classifier's view and must not be probed at will.
 */

/** The outcome of {@link FixedWindowLimiter.take}. */
export type WindowResult = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

/** Fixed windows of `windowMs`, one per key; closed windows are dropped on the next call. */
export class FixedWindowLimiter {
  readonly #windowMs: number;
  readonly #windows = new Map<string, { startedAt: number; count: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Counts one call of `key` at `now` (ms) against `limit`, or refuses it. */
  take(key: string, limit: number, now: number): WindowResult {
    let window = this.#windows.get(key);
    if (window === undefined || now - window.startedAt >= this.#windowMs) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(key, window);
      this.#prune(now);
    }
    if (window.count >= limit) {
      return { ok: false, retryAfterMs: window.startedAt + this.#windowMs - now };
    }
    window.count++;
    return { ok: true, remaining: limit - window.count };
  }

  /** Keys with an open window (for tests: closed windows do not accumulate). */
  get size(): number {
    return this.#windows.size;
  }

  #prune(now: number): void {
    for (const [key, w] of this.#windows) {
      if (now - w.startedAt >= this.#windowMs) this.#windows.delete(key);
    }
  }
}
