/**
 * A histogram for the per-request latency observations, in place of prom-client's `Histogram`:
 * prom-client builds a label object, validates it, hashes it and looks the bucket up by its
 * stringified bound on every `observe`, even on a labelled child (about 0.8 us each, three per
 * request: docs/performance.md, "Issue 14, round six"). Here a series is found by its label
 * values in a `Map` and an observation is a bucket search over a typed array.
 *
 * It sits in a prom-client `Registry` like any metric and hands the registry the same values,
 * in the same shape and order, as prom-client's histogram does (`getForPromString` for the text
 * exposition, `get` for JSON), so `/metrics` reads exactly as before: the cumulative `_bucket`
 * lines with `le`, `+Inf`, `_sum` and `_count` per series, series in the order of their first
 * observation. `test/unit/admin/latency-histogram.test.ts` holds the two side by side.
 */
import type { Histogram, Registry, RegistryContentType } from "prom-client";

/** One label combination's counts. */
class Series {
  /** Observations per bucket, not cumulative (the exposition adds them up). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly owner: LatencyHistogram<string>,
    readonly labels: Readonly<Record<string, string>>,
    buckets: number,
  ) {
    this.counts = new Float64Array(buckets);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    if (this.count === 0) this.owner.firstObserved(this);
    const bounds = this.owner.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]! += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
  }
}

/** What prom-client's histogram hands the registry for one exposition line. */
interface ValuePair {
  labels: Record<string, string | number>;
  sharedLabels?: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar?: null;
}

/** The labelled child: what `labels(...)` returns, as prom-client's does. */
export interface Observer {
  observe(value: number): void;
}

/** What the registry reads from a histogram: its name, help and values (prom-client's shape). */
interface HistogramData {
  name: string;
  help: string;
  type: "histogram";
  values: ValuePair[];
  aggregator: "sum";
}

/** A latency histogram with prom-client's exposition, registered on `registers`. */
export class LatencyHistogram<L extends string> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds, ascending. */
  readonly bounds: Float64Array;
  readonly #series = new Map<string, Series>();
  /** Series in the order of their first observation: prom-client's order. */
  #observed: Series[] = [];

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly L[];
    buckets: readonly number[];
    registers: readonly Registry<RegistryContentType>[];
  }) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = [...config.labelNames];
    this.bounds = Float64Array.from(config.buckets);
    // prom-client's `Metric` type lists its own four classes; the registry itself only calls
    // `get`, `getForPromString` and `reset` and reads `name`, `help`, `type` (lib/registry.js).
    for (const registry of config.registers)
      registry.registerMetric(this as unknown as Histogram<L>);
  }

  /** The child of one label combination (label values in `labelNames` order). */
  labels(...values: string[]): Observer {
    const key = values.length === 1 ? values[0]! : values.join("\u0001");
    const known = this.#series.get(key);
    if (known !== undefined) return known;
    if (values.length !== this.labelNames.length)
      throw new Error(
        `Invalid number of arguments (${values.length}): "${values.join(", ")}" for label names (${this.labelNames.length}): "${this.labelNames.join(", ")}".`,
      );
    const labels: Record<string, string> = {};
    for (let i = 0; i < values.length; i++) labels[this.labelNames[i]!] = values[i]!;
    const series = new Series(this, labels, this.bounds.length);
    this.#series.set(key, series);
    return series;
  }

  /** Called by a series on its first observation. */
  firstObserved(series: Series): void {
    this.#observed.push(series);
  }

  /** Forgets every series (prom-client's `reset`, `Registry.resetMetrics`). */
  reset(): void {
    this.#series.clear();
    this.#observed = [];
  }

  /** The values for the text exposition, shaped as prom-client's `Histogram.getForPromString`. */
  async getForPromString(): Promise<HistogramData> {
    const bucketName = `${this.name}_bucket`;
    const values: ValuePair[] = [];
    for (const s of this.#observed) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({
          labels: { le: this.bounds[i]! },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucketName,
          exemplar: null,
        });
      }
      values.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: s.labels,
          value: s.count,
          metricName: bucketName,
          exemplar: null,
        },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }

  /** The values with each series' labels merged in, as prom-client's `Histogram.get`. */
  async get(): Promise<HistogramData> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }));
    return data;
  }
}
