/**
 * A circuit breaker per upstream: after `failures` consecutive failures (connect errors, resets,
 * timeouts, 5xx) it opens and the upstream is skipped for `openMs`; then it lets one trial call
 * through (half-open) and closes on its success or opens again on its failure.
 *
 * The state changes only when a call starts (`tryAcquire`) or ends (`success`, `failure`,
 * `release`), so deciding whether an upstream is worth planning (`isAvailable`) is a pure read.
 */

export type BreakerState = "closed" | "open" | "half-open";

/** Breaker settings; `failures: 0` disables the breaker. */
export interface BreakerSettings {
  failures: number;
  openMs: number;
}

/** Gauge values of the states, for the metrics. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  "half-open": 1,
  open: 2,
};

/** One upstream's breaker. `onChange` hears every state transition. */
export class CircuitBreaker {
  #state: BreakerState = "closed";
  #consecutive = 0;
  #openUntil = 0;
  #trialInFlight = false;

  constructor(
    readonly settings: BreakerSettings,
    private readonly onChange?: (state: BreakerState) => void,
  ) {}

  /** The state as of `now` (an open breaker whose time is up reads as half-open). */
  state(now: number): BreakerState {
    if (this.#state === "open" && now >= this.#openUntil) return "half-open";
    return this.#state;
  }

  /** When an open breaker lets its trial call through (ms, same clock as `now`). */
  get openUntil(): number {
    return this.#openUntil;
  }

  /** Whether a call could start now (no state change). */
  isAvailable(now: number): boolean {
    const state = this.state(now);
    return state === "closed" || (state === "half-open" && !this.#trialInFlight);
  }

  /** Claims the right to call: always when closed; the single trial slot when half-open. */
  tryAcquire(now: number): boolean {
    if (this.#state === "closed") return true;
    if (this.state(now) !== "half-open" || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    this.#set("half-open");
    return true;
  }

  /** The upstream answered (any status below 500, 429 included: it is alive). */
  success(): void {
    this.#consecutive = 0;
    if (this.#state !== "closed") {
      this.#trialInFlight = false;
      this.#set("closed");
    }
  }

  /** The call failed in a way that counts against the upstream. */
  failure(now: number): void {
    const { failures, openMs } = this.settings;
    if (failures === 0) return;
    this.#consecutive++;
    if (this.#state === "half-open" || this.#consecutive >= failures) {
      this.#trialInFlight = false;
      this.#openUntil = now + openMs;
      this.#set("open");
    }
  }

  /** The call ended without a verdict (the client left): frees a half-open trial slot. */
  release(): void {
    this.#trialInFlight = false;
  }

  #set(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.onChange?.(state);
  }
}
