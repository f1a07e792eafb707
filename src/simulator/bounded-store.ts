/** Most objects of one kind a simulator keeps; the oldest go first. */
export const MAX_OBJECTS = 10_000;

/**
 * An insertion-ordered map that forgets its oldest entries past a count (and optionally a byte
 * budget), so a long benchmark or a chatty test cannot grow the simulator's memory without bound.
 * Every stateful API (files, batches, responses, conversations, assistants, threads, vector
 * stores) keeps its objects in one of these.
 */
export class BoundedStore<T> {
  readonly #entries = new Map<string, { value: T; bytes: number }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxEntries: number = MAX_OBJECTS, maxBytes: number = Number.POSITIVE_INFINITY) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** Stores a value (counting `bytes` against the budget), then evicts the oldest past the bounds. */
  set(id: string, value: T, bytes = 0): void {
    this.delete(id);
    this.#entries.set(id, { value, bytes });
    this.#bytes += bytes;
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined || oldest === id) break;
      this.delete(oldest);
    }
  }

  get(id: string): T | undefined {
    return this.#entries.get(id)?.value;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  delete(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#bytes -= entry.bytes;
    return this.#entries.delete(id);
  }

  /** The values, oldest first. */
  values(): T[] {
    return [...this.#entries.values()].map((entry) => entry.value);
  }

  get size(): number {
    return this.#entries.size;
  }
}
