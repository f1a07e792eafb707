/**
 * Counter increments on the request path, added up in plain numbers and handed to prom-client
 * only when it collects (a scrape, or any `get()` of the metric). prom-client hashes and validates
 * the label values on every `inc`, even on a labelled child: about 0.8 us each, five times per
 * request (docs/performance.md, "Issue 14, round two"). A scrape reads the same totals.
 */
import type { Counter } from "prom-client";

/** One label combination's pending increments. */
export interface Tally {
  inc(by?: number): void;
}

const MAX_TALLIES = 10_000;

/**
 * Returns a function that gives the tally of a label combination of `counter`; the tallies are
 * added to `counter` (and reset) when it collects.
 */
export function deferredCounter(counter: Counter<string>): (...values: string[]) => Tally {
  const tallies = new Map<string, { values: string[]; n: number; inc(by?: number): void }>();
  const flush = () => {
    for (const t of tallies.values()) {
      if (t.n === 0) continue;
      counter.labels(...t.values).inc(t.n);
      t.n = 0;
    }
  };
  chainCollect(counter, flush);
  return (...values: string[]) => {
    const key = values.length === 1 ? values[0]! : values.join("\u0001");
    let tally = tallies.get(key);
    if (tally === undefined) {
      if (tallies.size >= MAX_TALLIES) {
        flush();
        tallies.clear();
      }
      const made = {
        values,
        n: 0,
        inc(by = 1) {
          // What prom-client would refuse, refused here too rather than at the next scrape.
          if (!Number.isFinite(by) || by < 0) throw new TypeError(`invalid increment: ${by}`);
          made.n += by;
        },
      };
      tally = made;
      tallies.set(key, tally);
    }
    return tally;
  };
}

/** Runs `before` ahead of the metric's own collect callback, if it has one. */
export function chainCollect(metric: object, before: () => void): void {
  const m = metric as { collect?: () => unknown };
  const own = m.collect;
  m.collect = function collect(this: unknown) {
    before();
    return own?.call(this);
  };
}
