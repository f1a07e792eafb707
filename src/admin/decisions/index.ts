/**
 * The decisions index behind the dashboard (docs/dashboard.md): the recent decisions in time
 * order, bounded by a window and a record count, with the filters and the denial series the
 * admin API serves. Pure: no Fastify, no files (rebuild.ts reads the audit files into it).
 */
import type { DecisionEntry } from "./entry.js";

/** Filters of `GET /api/decisions`. */
export interface DecisionFilter {
  tenant?: string;
  /** Matches the tenant or the customer the call was made for. */
  customer?: string;
  decision?: string;
  /** A policy among those that decided. */
  policy?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** Denials over time: one count per bucket for each tenant (or policy), busiest first. */
export interface DenialSeries {
  by: "tenant" | "policy";
  bucketMs: number;
  /** Start of each bucket, epoch milliseconds. */
  buckets: number[];
  series: { key: string; total: number; counts: number[] }[];
}

/** A decision counts as a denial when denied, or denied in dry-run (`shadow-deny`). */
export const isDenial = (e: DecisionEntry) =>
  !e.whatIf && (e.decision === "deny" || e.decision === "shadow-deny");

/** Most series a chart gets; the rest are summed as `other`. */
const MAX_SERIES = 8;
/** Most buckets a chart gets; a wider bucket is used past it. */
const MAX_BUCKETS = 2000;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** The bounded, time-ordered set of recent decisions. */
export class DecisionIndex {
  readonly #windowMs: number;
  readonly #maxRecords: number;
  readonly #now: () => number;
  /** Oldest first; entries before `#head` are evicted (compacted away now and then). */
  #entries: DecisionEntry[] = [];
  #head = 0;
  readonly #byId = new Map<string, DecisionEntry>();

  constructor(opts: { windowMs: number; maxRecords: number; now?: () => number }) {
    this.#windowMs = opts.windowMs;
    this.#maxRecords = opts.maxRecords;
    this.#now = opts.now ?? Date.now;
  }

  /** Number of decisions held. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Adds a decision (a repeated id replaces nothing: the first one stays). */
  add(entry: DecisionEntry): void {
    if (this.#byId.has(entry.decisionId)) return;
    if (entry.at < this.#now() - this.#windowMs) return;
    const list = this.#entries;
    // Records arrive nearly in order (written when responses close): a push, or a late insert
    // after every entry of the same or an earlier time.
    if (list.length === this.#head || list[list.length - 1]!.at <= entry.at) list.push(entry);
    else {
      let lo = this.#head;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list[mid]!.at <= entry.at) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, entry);
    }
    this.#byId.set(entry.decisionId, entry);
    this.#evict();
  }

  #evict(): void {
    const oldest = this.#now() - this.#windowMs;
    const list = this.#entries;
    while (
      this.#head < list.length &&
      (list.length - this.#head > this.#maxRecords || list[this.#head]!.at < oldest)
    ) {
      this.#byId.delete(list[this.#head]!.decisionId);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > list.length) {
      this.#entries = list.slice(this.#head);
      this.#head = 0;
    }
  }

  /** One decision by id. */
  get(decisionId: string): DecisionEntry | undefined {
    this.#evict();
    return this.#byId.get(decisionId);
  }

  /** The decisions matching `filter`, newest first, at most `limit`. */
  list(filter: DecisionFilter = {}): DecisionEntry[] {
    this.#evict();
    const limit = Math.min(filter.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const out: DecisionEntry[] = [];
    const list = this.#entries;
    for (let i = list.length - 1; i >= this.#head && out.length < limit; i--) {
      const e = list[i]!;
      if (filter.until !== undefined && e.at > filter.until) continue;
      if (filter.since !== undefined && e.at < filter.since) break;
      if (matches(e, filter)) out.push(e);
    }
    return out;
  }

  /** Denials per bucket between `since` and `until`, per tenant or per denying policy. */
  denials(opts: {
    by: "tenant" | "policy";
    bucketMs: number;
    since: number;
    until: number;
    tenant?: string;
  }): DenialSeries {
    this.#evict();
    let bucketMs = Math.max(1000, opts.bucketMs);
    const span = Math.max(0, opts.until - opts.since);
    while (span / bucketMs > MAX_BUCKETS) bucketMs *= 2;
    const start = Math.floor(opts.since / bucketMs) * bucketMs;
    const n = Math.floor((opts.until - start) / bucketMs) + 1;
    const buckets = Array.from({ length: n }, (_, i) => start + i * bucketMs);
    const counts = new Map<string, number[]>();
    const list = this.#entries;
    for (let i = list.length - 1; i >= this.#head; i--) {
      const e = list[i]!;
      if (e.at < opts.since) break;
      if (e.at > opts.until || !isDenial(e)) continue;
      if (opts.tenant !== undefined && e.tenant !== opts.tenant) continue;
      const keys = opts.by === "tenant" ? [e.tenant ?? "(none)"] : e.policies.map((p) => p.id);
      const slot = Math.floor((e.at - start) / bucketMs);
      for (const key of keys) {
        const row = counts.get(key) ?? new Array<number>(n).fill(0);
        counts.set(key, row);
        row[slot]! += 1;
      }
    }
    const all = [...counts.entries()]
      .map(([key, row]) => ({ key, total: row.reduce((a, b) => a + b, 0), counts: row }))
      .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
    const series = all.slice(0, MAX_SERIES);
    const rest = all.slice(MAX_SERIES);
    if (rest.length > 0) {
      const row = new Array<number>(n).fill(0);
      for (const s of rest) {
        for (let i = 0; i < n; i++) row[i]! += s.counts[i]!;
      }
      series.push({ key: "(other)", total: row.reduce((a, b) => a + b, 0), counts: row });
    }
    return { by: opts.by, bucketMs, buckets, series };
  }
}

function matches(e: DecisionEntry, f: DecisionFilter): boolean {
  if (f.tenant !== undefined && e.tenant !== f.tenant) return false;
  if (f.customer !== undefined && e.customer !== f.customer && e.tenant !== f.customer)
    return false;
  if (f.decision !== undefined && e.decision !== f.decision) return false;
  if (f.policy !== undefined && !e.policies.some((p) => p.id === f.policy)) return false;
  return true;
}
