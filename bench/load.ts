/**
 * Closed-loop load with autocannon (programmatic API), plus what autocannon does not give: exact
 * latency percentiles (its histogram keeps whole milliseconds, so each response time is recorded
 * here from its `response` event) and the CPU time the target process spent per request, read from
 * /proc before and after the run.
 */
import { createRequire } from "node:module";
import { cpuMicros } from "./children.js";

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  timeout?: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { total: number };
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(
    event: "response",
    listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
  ): void;
}

// autocannon ships no type declarations; this is the slice of its API the benchmark uses.
const autocannon = createRequire(import.meta.url)("autocannon") as (
  opts: AutocannonOptions,
) => AutocannonInstance;

/** One load run against one target. */
export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The status every response must have; anything else is a functional error. */
  expectStatus: number;
  /** The process whose CPU is measured. */
  pid: number;
  /** Another process whose CPU is reported alongside (the canned upstream). */
  upstreamPid?: number;
  /** Requests per second across all connections (open-loop pacing); as fast as possible when absent. */
  rate?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  cpuUsPerRequest: number;
  upstreamCpuUsPerRequest: number | undefined;
  /** Statuses other than the expected one, connection errors and timeouts. */
  problems: string[];
}

/** The q-quantile (0..1) of an ascending array, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: readonly number[]): number {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  const cpu0 = cpuMicros(spec.pid);
  const up0 = spec.upstreamPid === undefined ? 0 : cpuMicros(spec.upstreamPid);
  const t0 = performance.now();
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    method: "POST",
    headers: spec.headers,
    body: spec.body,
    timeout: 30,
    ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
  });
  instance.on("response", (_client, _status, _bytes, ms) => {
    if (n === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[n++] = ms;
  });
  const result = await instance;
  const seconds = result.duration > 0 ? result.duration : (performance.now() - t0) / 1000;
  const cpu = cpuMicros(spec.pid) - cpu0;
  const up = spec.upstreamPid === undefined ? undefined : cpuMicros(spec.upstreamPid) - up0;
  const sorted = latencies.subarray(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;

  const problems: string[] = [];
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    if (Number(status) !== spec.expectStatus)
      problems.push(`${count} responses with status ${status}`);
  }
  if (result.errors > 0) problems.push(`${result.errors} connection errors`);
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
  if (n === 0) problems.push("no response at all");
  const requests = result.requests.total;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    meanMs: n === 0 ? Number.NaN : sum / n,
    cpuUsPerRequest: cpu / Math.max(1, requests),
    upstreamCpuUsPerRequest: up === undefined ? undefined : up / Math.max(1, requests),
    problems,
  };
}
