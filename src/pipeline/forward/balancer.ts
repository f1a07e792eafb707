/**
 * Which upstreams a call tries, in order. Pure: reads health, changes nothing.
 *
 * - Only upstreams that serve the deployment (`deployments` lists it, or is omitted).
 * - By `priority`, lowest first; within one priority, a weighted random order (`weight`), so
 *   traffic spreads in proportion and a failover goes to a sibling before a lower priority.
 * - Skipped: upstreams whose breaker is open, and those cooling down for this deployment after a
 *   `retry-after`. When that leaves none, the one whose cool-down ends first is tried alone (a
 *   rate-limited upstream then answers its own 429 with an exact `retry-after`, which the SDK
 *   honours); when every breaker is open, nothing is tried.
 */
import type { LiveUpstream } from "./upstreams.js";

/** Why an upstream that serves the deployment is not tried now. */
export interface Unavailable {
  upstream: string;
  reason: "circuit-open" | "cooling-down";
  /** Clock ms when it may be tried again. */
  until: number;
}

/** The attempt order: `order` may be empty, then `unavailable` says why (empty: none serves it). */
export interface AttemptPlan {
  order: LiveUpstream[];
  unavailable: Unavailable[];
}

const NONE: readonly Unavailable[] = Object.freeze([]);

/** Plans the attempts of a call to `deployment` (null: a call without deployment). */
export function planAttempts(
  upstreams: readonly LiveUpstream[],
  deployment: string | null,
  now: number,
  random: () => number,
): AttemptPlan {
  const key = deployment ?? "";
  // The common case, one upstream: no sorting, no randomness.
  if (upstreams.length === 1) {
    const u = upstreams[0]!;
    if (!serves(u, deployment)) return { order: [], unavailable: NONE as Unavailable[] };
    if (u.health.breaker.isAvailable(now))
      return { order: [u], unavailable: NONE as Unavailable[] };
    return { order: [], unavailable: [unavailable(u, key, now)] };
  }
  const fit: LiveUpstream[] = [];
  const healthy: LiveUpstream[] = [];
  for (const u of upstreams) {
    if (!serves(u, deployment)) continue;
    fit.push(u);
    if (u.health.breaker.isAvailable(now) && u.health.coolingUntil(key, now) === 0) healthy.push(u);
  }
  if (healthy.length > 0)
    return { order: weightedOrder(healthy, random), unavailable: NONE as Unavailable[] };
  let soonest: LiveUpstream | undefined;
  let soonestUntil = Number.POSITIVE_INFINITY;
  for (const u of fit) {
    if (!u.health.breaker.isAvailable(now)) continue;
    const until = u.health.coolingUntil(key, now);
    if (until < soonestUntil) {
      soonest = u;
      soonestUntil = until;
    }
  }
  if (soonest !== undefined) return { order: [soonest], unavailable: NONE as Unavailable[] };
  return { order: [], unavailable: fit.map((u) => unavailable(u, key, now)) };
}

function serves(u: LiveUpstream, deployment: string | null): boolean {
  const only = u.config.deployments;
  return only === null || (deployment !== null && only.has(deployment));
}

function unavailable(u: LiveUpstream, key: string, now: number): Unavailable {
  return u.health.breaker.isAvailable(now)
    ? { upstream: u.config.name, reason: "cooling-down", until: u.health.coolingUntil(key, now) }
    : { upstream: u.config.name, reason: "circuit-open", until: u.health.breaker.openUntil };
}

/**
 * Orders by priority, then, within each priority, by weighted random choice without replacement:
 * the first of a group is each member with probability weight / total weight of the group.
 */
export function weightedOrder<T extends { config: { priority: number; weight: number } }>(
  items: readonly T[],
  random: () => number,
): T[] {
  const sorted = [...items].sort((a, b) => a.config.priority - b.config.priority);
  for (let start = 0; start < sorted.length; ) {
    const priority = sorted[start]!.config.priority;
    let end = start + 1;
    while (end < sorted.length && sorted[end]!.config.priority === priority) end++;
    // Weighted selection sort over [start, end).
    for (let i = start; i < end - 1; i++) {
      let total = 0;
      for (let j = i; j < end; j++) total += sorted[j]!.config.weight;
      let pick = random() * total;
      let chosen = i;
      for (let j = i; j < end; j++) {
        pick -= sorted[j]!.config.weight;
        if (pick < 0) {
          chosen = j;
          break;
        }
        chosen = j;
      }
      if (chosen !== i) {
        const t = sorted[i]!;
        sorted[i] = sorted[chosen]!;
        sorted[chosen] = t;
      }
    }
    start = end;
  }
  return sorted;
}
