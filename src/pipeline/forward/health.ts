/**
 * What the gateway knows about one upstream's health: its circuit breaker, the cool-downs its
 * `retry-after` answers asked for, and the metric instruments bound to its name.
 *
 * Cool-downs are kept per deployment: Azure's rate limits (tokens and requests per minute) are
 * per deployment, so a 429 for `gpt-4o` says nothing about `gpt-4o-mini` on the same resource.
 * Calls without a deployment (files, batches) share one key, "".
 */
import { BREAKER_STATE_VALUE, type BreakerSettings, CircuitBreaker } from "./circuit-breaker.js";

/** How an attempt ended, as counted in `gateway_upstream_attempts_total`. */
export type AttemptOutcome =
  | "success" // an answer that is not 429 nor 5xx
  | "throttled" // 429
  | "server-error" // 5xx
  | "unreachable" // connect error, reset before the answer
  | "timeout"
  | "auth-failed" // no Entra ID token
  | "aborted"; // the client left before the answer

/** The metric instruments the forwarder feeds (a structural slice of prom-client's). */
export interface UpstreamMetrics {
  attempts: { labels(upstream: string, outcome: string): { inc(): void } };
  breakerState: { labels(upstream: string): { set(value: number): void } };
}

/** The clock the forwarder reads (milliseconds); `Date.now` outside tests. */
export type Clock = () => number;

/** Health state of one upstream. */
export class UpstreamHealth {
  readonly breaker: CircuitBreaker;
  /** Deployment -> end of its cool-down (clock ms). */
  readonly #coolDowns = new Map<string, number>();
  readonly #counters = new Map<AttemptOutcome, { inc(): void }>();

  constructor(
    readonly name: string,
    settings: BreakerSettings,
    readonly now: Clock,
    private readonly metrics: UpstreamMetrics | undefined,
  ) {
    const gauge = metrics?.breakerState.labels(name);
    gauge?.set(BREAKER_STATE_VALUE.closed);
    this.breaker = new CircuitBreaker(
      settings,
      gauge === undefined ? undefined : (s) => gauge.set(BREAKER_STATE_VALUE[s]),
    );
  }

  /** End of the cool-down of `deployment` (0 when none), clearing it once past. */
  coolingUntil(deployment: string, now: number): number {
    if (this.#coolDowns.size === 0) return 0;
    const until = this.#coolDowns.get(deployment);
    if (until === undefined) return 0;
    if (until > now) return until;
    this.#coolDowns.delete(deployment);
    return 0;
  }

  /** Skips this upstream for `deployment` for `ms` (never shortens a longer cool-down). */
  coolDown(deployment: string, ms: number, now: number): void {
    if (ms <= 0) return;
    const until = now + ms;
    if (until > (this.#coolDowns.get(deployment) ?? 0)) this.#coolDowns.set(deployment, until);
  }

  /**
   * Records how an attempt ended: in the breaker (an answer below 500, 429 included, shows the
   * upstream alive; 5xx, connect errors, resets and timeouts count against it; the rest is no
   * verdict) and in the metrics. Called once per attempt, as soon as its outcome is known.
   */
  settle(outcome: AttemptOutcome): void {
    switch (outcome) {
      case "success":
      case "throttled":
        this.breaker.success();
        break;
      case "server-error":
      case "unreachable":
      case "timeout":
        this.breaker.failure(this.now());
        break;
      default:
        this.breaker.release();
    }
    this.count(outcome);
  }

  /** Counts an attempt in the metrics. */
  count(outcome: AttemptOutcome): void {
    if (this.metrics === undefined) return;
    let counter = this.#counters.get(outcome);
    if (counter === undefined) {
      counter = this.metrics.attempts.labels(this.name, outcome);
      this.#counters.set(outcome, counter);
    }
    counter.inc();
  }
}
