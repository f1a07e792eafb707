/**
 * The decisions index behind the dashboard (docs/dashboard.md): the recent decisions in time
 * order, bounded by a window and a record count, with the filters and the denial series the
 * admin API serves. Pure: no Fastify, no files (rebuild.ts reads the audit files into it). The
 * decisions themselves are kept as rows of typed arrays (rows.ts), not as objects.
 */
import type { DecisionEntry } from "./entry.js";
import { DecisionRows, Label } from "./rows.js";

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
  /** The entries, as rows (rows.ts): no object per decision held. */
  readonly #rows = new DecisionRows();
  /** Slots of the rows oldest first; those before `#head` are evicted (compacted away now and then). */
  #order = new Int32Array(1024);
  #head = 0;
  #tail = 0;
  /** Adds what a feed holds back (feed.ts: the records of this turn); run before every read. */
  #catchUp: () => void = () => {};

  constructor(opts: { windowMs: number; maxRecords: number; now?: () => number }) {
    this.#windowMs = opts.windowMs;
    this.#maxRecords = opts.maxRecords;
    this.#now = opts.now ?? Date.now;
  }

  /** Number of decisions held. */
  get size(): number {
    this.#catchUp();
    return this.#tail - this.#head;
  }

  /**
   * Has `catchUp` run before each read (`size`, `get`, `list`, `denials`): a feed that adds its
   * entries in batches hands over what it holds, so a read sees every record written before it.
   */
  catchUpWith(catchUp: () => void): void {
    this.#catchUp = catchUp;
  }

  /** Adds a decision (a repeated id replaces nothing: the first one stays). */
  add(entry: DecisionEntry): void {
    if (this.#rows.find(entry.decisionId) >= 0) return;
    if (entry.at < this.#now() - this.#windowMs) return;
    if (this.#tail === this.#order.length) this.#makeRoom();
    const slot = this.#rows.put(entry);
    const order = this.#order;
    const rows = this.#rows;
    // Records arrive nearly in order (written when responses close): an append, or a late insert
    // after every entry of the same or an earlier time.
    let at = this.#tail;
    if (at > this.#head && rows.at(order[at - 1]!) > entry.at) {
      let lo = this.#head;
      let hi = this.#tail;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (rows.at(order[mid]!) <= entry.at) lo = mid + 1;
        else hi = mid;
      }
      order.copyWithin(lo + 1, lo, this.#tail);
      at = lo;
    }
    order[at] = slot;
    this.#tail++;
    this.#evict();
  }

  /** Moves the live slots to the front, or doubles the order when more than half are live. */
  #makeRoom(): void {
    const live = this.#order.subarray(this.#head, this.#tail);
    const order =
      live.length * 2 > this.#order.length ? new Int32Array(this.#order.length * 2) : this.#order;
    order.set(live);
    this.#order = order;
    this.#tail = live.length;
    this.#head = 0;
  }

  #evict(): void {
    const oldest = this.#now() - this.#windowMs;
    const rows = this.#rows;
    const order = this.#order;
    while (
      this.#head < this.#tail &&
      (this.#tail - this.#head > this.#maxRecords || rows.at(order[this.#head]!) < oldest)
    ) {
      rows.free(order[this.#head++]!);
    }
  }

  /** One decision by id. */
  get(decisionId: string): DecisionEntry | undefined {
    this.#catchUp();
    this.#evict();
    const slot = this.#rows.find(decisionId);
    return slot < 0 ? undefined : this.#rows.entry(slot);
  }

  /** The decisions matching `filter`, newest first, at most `limit`. */
  list(filter: DecisionFilter = {}): DecisionEntry[] {
    this.#catchUp();
    this.#evict();
    const limit = Math.min(filter.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const out: DecisionEntry[] = [];
    const rows = this.#rows;
    for (let i = this.#tail - 1; i >= this.#head && out.length < limit; i--) {
      const slot = this.#order[i]!;
      const at = rows.at(slot);
      if (filter.until !== undefined && at > filter.until) continue;
      if (filter.since !== undefined && at < filter.since) break;
      if (matches(rows, slot, filter)) out.push(rows.entry(slot));
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
    this.#catchUp();
    this.#evict();
    let bucketMs = Math.max(1000, opts.bucketMs);
    const span = Math.max(0, opts.until - opts.since);
    while (span / bucketMs > MAX_BUCKETS) bucketMs *= 2;
    const start = Math.floor(opts.since / bucketMs) * bucketMs;
    const n = Math.floor((opts.until - start) / bucketMs) + 1;
    const buckets = Array.from({ length: n }, (_, i) => start + i * bucketMs);
    const counts = new Map<string, number[]>();
    const rows = this.#rows;
    for (let i = this.#tail - 1; i >= this.#head; i--) {
      const row = this.#order[i]!;
      const at = rows.at(row);
      if (at < opts.since) break;
      if (at > opts.until || !rowIsDenial(rows, row)) continue;
      const tenant = rows.label(row, Label.Tenant);
      if (opts.tenant !== undefined && tenant !== opts.tenant) continue;
      const keys =
        opts.by === "tenant" ? [tenant ?? "(none)"] : rows.policies(row).map((p) => p.id);
      const slot = Math.floor((at - start) / bucketMs);
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

/** A decision counts as a denial when denied, or denied in dry-run (`shadow-deny`). */
function rowIsDenial(rows: DecisionRows, slot: number): boolean {
  const decision = rows.label(slot, Label.Decision);
  return !rows.whatIf(slot) && (decision === "deny" || decision === "shadow-deny");
}

function matches(rows: DecisionRows, slot: number, f: DecisionFilter): boolean {
  const tenant = rows.label(slot, Label.Tenant);
  if (f.tenant !== undefined && tenant !== f.tenant) return false;
  if (
    f.customer !== undefined &&
    rows.label(slot, Label.Customer) !== f.customer &&
    tenant !== f.customer
  )
    return false;
  if (f.decision !== undefined && rows.label(slot, Label.Decision) !== f.decision) return false;
  if (f.policy !== undefined && !rows.policies(slot).some((p) => p.id === f.policy)) return false;
  return true;
}
