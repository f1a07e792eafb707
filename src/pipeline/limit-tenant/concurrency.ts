/**
 * Counts the requests in flight per key (a tenant, or a customer a tenant acts for) on this
 * process and refuses one more when a key is at its cap. Pure: no Fastify, no clock. A slot is
 * released exactly once, however many times its release is called, so a response that both
 * errors and closes cannot free someone else's slot.
 */

/** One counter a request takes a slot under; `limit: null` counts without capping. */
export interface SlotKey {
  key: string;
  limit: number | null;
}

/** The outcome of {@link ConcurrencyLimiter.acquire}. */
export type SlotResult =
  | { ok: true; release: () => void }
  | { ok: false; key: string; limit: number };

/** In-flight counters, one per key; keys at zero are forgotten, so none leaks. */
export class ConcurrencyLimiter {
  readonly #inflight = new Map<string, number>();
  readonly #onChange: ((key: string, inflight: number) => void) | undefined;

  /** `onChange` is told every new count (for a gauge). */
  constructor(onChange?: (key: string, inflight: number) => void) {
    this.#onChange = onChange;
  }

  /** Requests in flight under `key`. */
  inflight(key: string): number {
    return this.#inflight.get(key) ?? 0;
  }

  /** Takes a slot under every key, or none when one of them is at its limit (the first such). */
  acquire(keys: readonly SlotKey[]): SlotResult {
    for (const { key, limit } of keys) {
      if (limit !== null && this.inflight(key) >= limit) return { ok: false, key, limit };
    }
    for (const { key } of keys) this.#set(key, this.inflight(key) + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        for (const { key } of keys) this.#set(key, this.inflight(key) - 1);
      },
    };
  }

  #set(key: string, n: number): void {
    if (n <= 0) this.#inflight.delete(key);
    else this.#inflight.set(key, n);
    this.#onChange?.(key, Math.max(n, 0));
  }
}
