/**
 * The per-tenant limits, applied right after identification (docs/configuration.md#limits): a
 * what-if call spends one of the tenant's what-if calls per minute, and every call takes a
 * concurrency slot under its tenant and, when it acts for a capped customer, under that customer.
 * The slot is freed when the response closes (audit/hook.ts), whatever the end. The counters
 * live as long as the data plane, so a reload changes the caps but not the counts.
 */
import type { Gauge } from "prom-client";
import { chainCollect } from "../../admin/deferred-counter.js";
import { labelCache } from "../../admin/label-cache.js";
import { errors } from "../../errors.js";
import type { RequestContext } from "../context.js";
import { ConcurrencyLimiter, type SlotKey } from "./concurrency.js";
import { FixedWindowLimiter } from "./fixed-window.js";

const TENANT = "tenant\u0001";
const CUSTOMER = "customer\u0001";

/** The process-wide limiter state. */
export interface TenantLimiters {
  concurrency: ConcurrencyLimiter;
  whatIf: FixedWindowLimiter;
}

/**
 * Creates the limiters; tenants' in-flight counts are read onto `inflightGauge` when it is
 * collected (a scrape), not set at every change: two gauge updates per request cost prom-client
 * two label hashes (docs/performance.md, "Issue 14, round two").
 */
export function createTenantLimiters(inflightGauge: Gauge<"tenant">): TenantLimiters {
  const gauge = labelCache(inflightGauge);
  /** Every tenant key that has had a call in flight: reported at 0 once it has none. */
  const seen = new Set<string>();
  const concurrency = new ConcurrencyLimiter((key) => {
    seen.add(key);
  });
  chainCollect(inflightGauge, () => {
    for (const key of seen) {
      if (key.startsWith(TENANT)) gauge(key.slice(TENANT.length)).set(concurrency.inflight(key));
    }
  });
  return { concurrency, whatIf: new FixedWindowLimiter(60_000) };
}

/** Requests of `tenantId` in flight on this process. */
export function tenantInflight(limiters: TenantLimiters, tenantId: string): number {
  return limiters.concurrency.inflight(TENANT + tenantId);
}

/**
 * Applies the identified tenant's limits to `ctx`; throws a 429 `RateLimited` when one is spent.
 * In a fleet (`fleet`: a shared store) the concurrency caps are leases in the store, taken at
 * admission (admit/): here the slot only counts this replica's calls for the gauge.
 */
export function applyTenantLimits(
  limiters: TenantLimiters,
  ctx: RequestContext,
  now: number,
  fleet = false,
): void {
  const tenant = ctx.tenant!;
  const { limits } = tenant;
  if (ctx.whatIf) {
    const spent = limiters.whatIf.take(tenant.id, limits.whatIfPerMinute, now);
    if (!spent.ok) throw errors.whatIfSpent(limits.whatIfPerMinute, spent.retryAfterMs);
  }
  const keys: SlotKey[] = [
    { key: TENANT + tenant.id, limit: fleet ? null : limits.maxConcurrentRequests },
  ];
  const customer = ctx.agency?.onBehalfOf;
  const customerLimit =
    customer === undefined || fleet
      ? undefined
      : limits.customerMaxConcurrentRequests.get(customer);
  if (customerLimit !== undefined) {
    keys.push({ key: `${CUSTOMER}${tenant.id}\u0001${customer}`, limit: customerLimit });
  }
  const slot = limiters.concurrency.acquire(keys);
  if (!slot.ok) {
    throw errors.tooManyInFlight(
      slot.key.startsWith(TENANT) ? `tenant \`${tenant.id}\`` : `customer \`${customer}\``,
      slot.limit,
    );
  }
  ctx.releaseSlot = slot.release;
}
