/**
 * Detects live frame streams: when one camera (by id, by EXIF identity) or one tenant's
 * recognition requests arrive faster than a configured rate (e.g. 5 frames within 10 s), capture
 * is `live` whatever the request declares. The store is an interface so a fleet can share windows
 * (e.g. through Redis); the built-in one is in memory.
 */

/** Where frame arrival times are kept. */
export interface FrameWindowStore {
  /**
   * Records `frames` arrivals for `key` at `now` (ms) and returns how many arrivals fall within the
   * last `withinMs`, including these.
   */
  record(key: string, now: number, frames: number, withinMs: number): number;
  /**
   * How many arrivals for `key` fall within the last `withinMs` at `now`, recording nothing: what
   * a what-if call sees.
   */
  count(key: string, now: number, withinMs: number): number;
}

/**
 * In-memory sliding windows, one array of timestamps per camera, bounded in the number of cameras
 * (oldest-touched first out) and in the timestamps kept per camera.
 */
export class MemoryFrameWindowStore implements FrameWindowStore {
  readonly #windows = new Map<string, number[]>();
  readonly #maxKeys: number;
  readonly #maxPerKey: number;

  constructor(maxKeys = 100_000, maxPerKey = 256) {
    this.#maxKeys = maxKeys;
    this.#maxPerKey = maxPerKey;
  }

  record(key: string, now: number, frames: number, withinMs: number): number {
    let times = this.#windows.get(key);
    if (times === undefined) {
      if (this.#windows.size >= this.#maxKeys) {
        const oldest = this.#windows.keys().next().value;
        if (oldest !== undefined) this.#windows.delete(oldest);
      }
      times = [];
    } else this.#windows.delete(key); // re-insert below: Map order is recency
    this.#windows.set(key, times);
    const cutoff = now - withinMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= cutoff) drop++;
    if (drop > 0) times.splice(0, drop);
    for (let i = 0; i < frames; i++) times.push(now);
    if (times.length > this.#maxPerKey) times.splice(0, times.length - this.#maxPerKey);
    return times.length;
  }

  count(key: string, now: number, withinMs: number): number {
    const times = this.#windows.get(key);
    if (times === undefined) return 0;
    const cutoff = now - withinMs;
    let n = 0;
    for (const t of times) if (t > cutoff) n++;
    return n;
  }
}
