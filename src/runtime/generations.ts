/**
 * The live config generations. Each request acquires the current generation when it arrives and
 * releases it when its response closes, so a reload never changes the rules, upstream pools or
 * credentials under a request in flight. A replaced generation is retired once its last request
 * has finished (its upstream pools are closed then).
 */
import type { Generation } from "./generation.js";

/** Holds the current generation and counts the requests pinned to each. */
export class Generations {
  #current: Generation;
  readonly #inflight = new Map<Generation, number>();
  readonly #retiring = new Set<Generation>();
  readonly #retire: (g: Generation) => void;

  /** `retire` is called once per replaced generation, when no request uses it any more. */
  constructor(initial: Generation, retire: (g: Generation) => void) {
    this.#current = initial;
    this.#retire = retire;
  }

  /** The generation new requests get. */
  current(): Generation {
    return this.#current;
  }

  /** Pins the current generation to a request. */
  acquire(): Generation {
    const g = this.#current;
    this.#inflight.set(g, (this.#inflight.get(g) ?? 0) + 1);
    return g;
  }

  /** Unpins a generation; retires it if it was replaced and this was its last request. */
  release(g: Generation): void {
    const n = (this.#inflight.get(g) ?? 1) - 1;
    if (n > 0) {
      this.#inflight.set(g, n);
      return;
    }
    this.#inflight.delete(g);
    if (this.#retiring.delete(g)) this.#retire(g);
  }

  /** Makes `next` current; the previous one retires when its requests are done. */
  swap(next: Generation): void {
    const previous = this.#current;
    this.#current = next;
    if ((this.#inflight.get(previous) ?? 0) === 0) this.#retire(previous);
    else this.#retiring.add(previous);
  }

  /** Every generation still alive (current, and replaced ones with requests in flight). */
  all(): Generation[] {
    return [this.#current, ...this.#retiring];
  }

  /** Requests in flight across all generations. */
  inflight(): number {
    let n = 0;
    for (const v of this.#inflight.values()) n += v;
    return n;
  }
}
