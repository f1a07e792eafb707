/**
 * What one request asks of the shared store before its decision (docs/operations.md "Tenant
 * limits"): the frame windows it feeds, the rate limits it spends from (requests and estimated
 * tokens, for its tenant and the customer it acts for) and, in a fleet, the concurrency leases it
 * takes. Pure: no store, no clock, no Fastify.
 */
import type { RuntimeTenant } from "../../config/index.js";
import type { AdmitRequest, FrameOp, LeaseOp, RateOp, SettleRequest } from "../../store/types.js";
import type { PendingCapture } from "../classify-request/capture.js";
import type { Operation } from "../classify-request/facts.js";

/** What each rate op of a plan stands for (to word the 429 and its headers). */
export interface RateSlot {
  unit: "requests" | "tokens";
  /** `tenant \`x\`` or `customer \`y\``. */
  who: string;
  limit: number;
  cost: number;
}

/** One lease op's meaning. */
export interface LeaseSlot {
  who: string;
  limit: number;
}

/** A request's admission: the store call, and what each op means. */
export interface AdmissionPlan {
  request: AdmitRequest;
  rates: RateSlot[];
  leases: LeaseSlot[];
}

/** What a plan is made from. */
export interface PlanInput {
  tenant: RuntimeTenant;
  /** The customer the call acts for, when the tenant is a vendor and the call names one. */
  customerId: string | undefined;
  requestId: string;
  now: number;
  whatIf: boolean;
  /** The frame windows to count, when capture waits on them. */
  pendingCapture: PendingCapture | undefined;
  /**
   * Estimated tokens (input + reserved output); undefined for operations that spend no tokens
   * (files, batches, lists...), which then spend only their request.
   */
  tokens: number | undefined;
  /** Take concurrency leases in the store (a fleet); a single process counts them locally. */
  fleetLeases: boolean;
  /** How long a lease outlives a replica that died holding it. */
  leaseTtlMs: number;
}

const CUSTOMER = "c:";

/** The plan, or undefined when the request needs nothing from the shared store. */
export function planAdmission(input: PlanInput): AdmissionPlan | undefined {
  const { tenant, customerId } = input;
  const frames: FrameOp[] = [];
  const pending = input.pendingCapture;
  if (pending !== undefined) {
    for (const w of pending.windows) {
      frames.push({
        key: w.key,
        frames: w.frames,
        withinMs: pending.liveFrameRate.withinMs,
        record: !input.whatIf,
      });
    }
  }
  const rates: RateOp[] = [];
  const rateSlots: RateSlot[] = [];
  const leases: LeaseOp[] = [];
  const leaseSlots: LeaseSlot[] = [];
  if (!input.whatIf) {
    let tokens: number | undefined;
    const spend = (key: string, who: string, rpm: number | null, tpm: number | null) => {
      if (rpm !== null) {
        rates.push({ key: `${key}rpm`, perMinute: rpm, cost: 1 });
        rateSlots.push({ unit: "requests", who, limit: rpm, cost: 1 });
      }
      if (tpm !== null && input.tokens !== undefined) {
        tokens ??= Math.max(1, Math.ceil(input.tokens));
        rates.push({ key: `${key}tpm`, perMinute: tpm, cost: tokens });
        rateSlots.push({ unit: "tokens", who, limit: tpm, cost: tokens });
      }
    };
    const limits = tenant.limits;
    const tenantWho = `tenant \`${tenant.id}\``;
    spend("", tenantWho, limits.requestsPerMinute, limits.tokensPerMinute);
    const customerRates =
      customerId === undefined ? undefined : limits.customerRates.get(customerId);
    const customerWho = `customer \`${customerId}\``;
    if (customerRates !== undefined) {
      spend(
        `${CUSTOMER}${customerId}:`,
        customerWho,
        customerRates.requestsPerMinute,
        customerRates.tokensPerMinute,
      );
    }
    if (input.fleetLeases) {
      if (limits.maxConcurrentRequests !== null) {
        leases.push({
          key: "inflight",
          limit: limits.maxConcurrentRequests,
          ttlMs: input.leaseTtlMs,
        });
        leaseSlots.push({ who: tenantWho, limit: limits.maxConcurrentRequests });
      }
      const cap =
        customerId === undefined ? undefined : limits.customerMaxConcurrentRequests.get(customerId);
      if (cap !== undefined) {
        leases.push({
          key: `${CUSTOMER}${customerId}:inflight`,
          limit: cap,
          ttlMs: input.leaseTtlMs,
        });
        leaseSlots.push({ who: customerWho, limit: cap });
      }
    }
  }
  if (frames.length === 0 && rates.length === 0 && leases.length === 0) return undefined;
  return {
    request: {
      scope: tenant.id,
      requestId: input.requestId,
      now: input.now,
      frames,
      rates,
      leases,
    },
    rates: rateSlots,
    leases: leaseSlots,
  };
}

/** Whether a token limit applies to a call of `tenant` (for `customerId`): only then is it estimated. */
export function needsTokenEstimate(tenant: RuntimeTenant, customerId: string | undefined): boolean {
  if (tenant.limits.tokensPerMinute !== null) return true;
  const customer =
    customerId === undefined ? undefined : tenant.limits.customerRates.get(customerId);
  return customer !== undefined && customer.tokensPerMinute !== null;
}

/**
 * Operations whose calls spend tokens, estimated before forwarding: generation (input and the
 * output reserved) and embeddings (input only). Stored-object management, batches (Azure meters
 * batch tokens on a separate quota), assistants' runs (whose input is a thread the gateway does
 * not hold) and audio spend only their request against the limits.
 */
export const TOKEN_OPERATIONS: ReadonlySet<Operation> = new Set([
  "chat.completions",
  "completions",
  "responses",
  "embeddings",
]);

/** The tokens a plan reserved (what its token rates cost), or undefined when none applied. */
export function reservedTokens(plan: AdmissionPlan): number | undefined {
  return plan.rates.find((r) => r.unit === "tokens")?.cost;
}

/**
 * The correction after the response: `delta` tokens on each token rate (negative gives back) and,
 * with `releaseLeases`, the plan's leases freed; undefined when there is nothing to send.
 */
export function settlementOf(
  plan: AdmissionPlan,
  delta: number,
  now: number,
  releaseLeases: boolean,
): SettleRequest | undefined {
  const { request } = plan;
  const rates =
    delta === 0
      ? []
      : request.rates.flatMap((r, i) =>
          plan.rates[i]!.unit === "tokens" ? [{ key: r.key, perMinute: r.perMinute, delta }] : [],
        );
  const leases = releaseLeases ? request.leases.map((l) => l.key) : [];
  if (rates.length === 0 && leases.length === 0) return undefined;
  return { scope: request.scope, requestId: request.requestId, now, rates, leases };
}
