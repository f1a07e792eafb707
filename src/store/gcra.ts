/**
 * The Generic Cell Rate Algorithm (GCRA), the rate limiter behind `requestsPerMinute` and
 * `tokensPerMinute` (docs/operations.md "Tenant limits"). One number per key, the theoretical
 * arrival time (TAT): each unit of cost pushes it `interval = 60 s / limit` into the future, and a
 * request is admitted when the TAT it would leave is at most one minute ahead of now.
 *
 * Why GCRA and not fixed windows: a fixed window lets `limit` through just before its edge and
 * `limit` more just after it, twice the limit within a second. Under GCRA there is no edge: a key
 * may spend its whole minute at once, and then earns it back at `limit` per minute, so any span of
 * `d` seconds admits at most `limit x (1 + d / 60)`, and never more than `limit` at once. The
 * Redis store runs the same arithmetic in a Lua script (`redis-scripts.ts`); this is the memory
 * store's copy and the reference the tests check both against. Pure.
 */

/** The window every per-minute limit is expressed in. */
export const MINUTE_MS = 60_000;

/** The outcome of one {@link gcraTake}. */
export interface GcraOutcome {
  ok: boolean;
  /** The TAT to store when `ok` (unchanged otherwise). */
  tat: number;
  /** Units left to spend right now after this request (0 when refused). */
  remaining: number;
  /** When refused: how long until this request's cost would be admitted. */
  retryAfterMs: number;
}

/**
 * Takes `cost` units from a key whose stored TAT is `tat` (0 when none), at `now`, against
 * `perMinute`. A cost above the whole limit can never be admitted: it is refused with the time
 * to wait for a full minute (the caller says why).
 */
export function gcraTake(tat: number, now: number, perMinute: number, cost: number): GcraOutcome {
  const interval = MINUTE_MS / perMinute;
  const base = Math.max(tat, now);
  const next = base + cost * interval;
  const ahead = next - now;
  if (ahead > MINUTE_MS) {
    const retryAfterMs =
      cost > perMinute ? MINUTE_MS : Math.ceil(Math.min(ahead - MINUTE_MS, MINUTE_MS));
    return { ok: false, tat, remaining: unitsLeft(base - now, interval), retryAfterMs };
  }
  return { ok: true, tat: next, remaining: unitsLeft(ahead, interval), retryAfterMs: 0 };
}

/**
 * The TAT after correcting a key by `delta` units (negative gives units back, as when Azure
 * reports fewer tokens than were reserved); never earlier than `now`.
 */
export function gcraAdjust(tat: number, now: number, perMinute: number, delta: number): number {
  const interval = MINUTE_MS / perMinute;
  return Math.max(Math.max(tat, now) + delta * interval, now);
}

function unitsLeft(ahead: number, interval: number): number {
  return Math.max(0, Math.floor((MINUTE_MS - ahead) / interval + 1e-9));
}
