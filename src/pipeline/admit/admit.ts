/**
 * The admission step between classification and the decision (docs/operations.md "Running a
 * fleet"): one call to the shared store counts the request's frame windows (settling a capture
 * that waited on them) and spends its tenant's and customer's rate limits and fleet concurrency
 * leases; when the response closes, one correction settles the token estimate against Azure's
 * usage and frees the leases. No store call for a request that needs no shared state.
 *
 * When the store cannot answer, each shared signal is lost toward the stricter side: frame windows
 * count as unknown (`finishCapture(facts, null)`), and limits follow `store.onError`.
 */

import type { GatewayMetrics } from "../../admin/metrics.js";
import type { RuntimeConfig } from "../../config/index.js";
import { errors, type GatewayHttpError } from "../../errors.js";
import type { AdmitRequest, AdmitResult, Refusal, SharedStore } from "../../store/types.js";
import { finishCapture } from "../classify-request/capture.js";
import type { RequestFacts } from "../classify-request/facts.js";
import type { RequestContext } from "../context.js";
import {
  type AdmissionPlan,
  needsTokenEstimate,
  planAdmission,
  reservedTokens,
  settlementOf,
  TOKEN_OPERATIONS,
} from "./plan.js";

/** What admission needs from the running gateway. */
export interface AdmitDeps {
  store: SharedStore;
  metrics: GatewayMetrics;
}

/** How long a fleet lease outlives the upstream timeout (a replica that died holding it). */
const LEASE_MARGIN_MS = 30_000;

/**
 * Admits `ctx`'s request with its classified `facts`: returns the facts with capture settled,
 * throws (or rejects with) a 429 when a limit is spent or a 503 when the store is down and
 * `store.onError` is `deny`. Synchronous on the memory store.
 */
export function admitRequest(
  deps: AdmitDeps,
  ctx: RequestContext,
  facts: RequestFacts,
  tokens: () => number | Promise<number>,
): RequestFacts | Promise<RequestFacts> {
  const tenant = ctx.tenant!;
  const customerId = ctx.agency?.onBehalfOf;
  if (
    !ctx.whatIf &&
    TOKEN_OPERATIONS.has(ctx.route.operation) &&
    needsTokenEstimate(tenant, customerId)
  ) {
    const estimate = tokens();
    if (estimate instanceof Promise) {
      return estimate.then((n) => admitWith(deps, ctx, facts, customerId, n));
    }
    return admitWith(deps, ctx, facts, customerId, estimate);
  }
  return admitWith(deps, ctx, facts, customerId, undefined);
}

function admitWith(
  deps: AdmitDeps,
  ctx: RequestContext,
  facts: RequestFacts,
  customerId: string | undefined,
  tokens: number | undefined,
): RequestFacts | Promise<RequestFacts> {
  const config = ctx.generation.config;
  const plan = planAdmission({
    tenant: ctx.tenant!,
    customerId,
    requestId: ctx.decisionId,
    // The classifier's clock (tests inject one): frame windows and limits share it.
    now: (ctx.generation.classifier.now ?? Date.now)(),
    whatIf: ctx.whatIf,
    pendingCapture: facts.pendingCapture,
    tokens,
    fleetLeases: deps.store.type !== "memory",
    leaseTtlMs: config.limits.upstreamTimeoutMs + LEASE_MARGIN_MS,
  });
  if (plan === undefined) return facts;
  return withAdmission(
    deps.store,
    plan.request,
    (result) => admitted(deps, ctx, facts, plan, result),
    (err) => unavailable(deps, config, ctx, facts, plan, err),
  );
}

/**
 * Runs `store.admit` and hands its answer to `onResult`, or what it threw or rejected with to
 * `onError`: with no promise when the store answers synchronously (the memory store).
 */
export function withAdmission<T>(
  store: SharedStore,
  request: AdmitRequest,
  onResult: (result: AdmitResult) => T,
  onError: (err: unknown) => T,
): T | Promise<T> {
  let answer: ReturnType<SharedStore["admit"]>;
  try {
    answer = store.admit(request);
  } catch (err) {
    return onError(err);
  }
  return answer instanceof Promise ? answer.then(onResult, onError) : onResult(answer);
}

function admitted(
  deps: AdmitDeps,
  ctx: RequestContext,
  facts: RequestFacts,
  plan: AdmissionPlan,
  result: AdmitResult,
): RequestFacts {
  const settled = finishCapture(facts, result.frameCounts);
  ctx.facts = settled;
  const refused = result.refused;
  if (refused !== undefined) throw refusalOf(deps, ctx, plan, result.remaining, refused);
  holdUntilClose(deps, ctx, plan);
  return settled;
}

/** The 429 of a refused admission, counted in the metrics. */
export function refusalOf(
  deps: AdmitDeps,
  ctx: RequestContext,
  plan: AdmissionPlan,
  remaining: readonly number[],
  refused: Refusal,
): GatewayHttpError {
  const tenant = ctx.tenant!.id;
  if (refused.kind === "lease") {
    const slot = plan.leases[refused.index]!;
    deps.metrics.rateLimited.inc({ tenant, limit: "concurrency" });
    return errors.tooManyInFlight(slot.who, slot.limit, "fleet", refused.retryAfterMs);
  }
  const slot = plan.rates[refused.index]!;
  deps.metrics.rateLimited.inc({ tenant, limit: slot.unit });
  // The headers describe the tightest of the caller's own limits of each unit.
  const left: { requests?: number; tokens?: number } = {};
  plan.rates.forEach((r, i) => {
    const n = remaining[i] ?? 0;
    left[r.unit] = Math.min(left[r.unit] ?? n, n);
  });
  return errors.rateSpent(slot.who, slot.unit, slot.limit, slot.cost, refused.retryAfterMs, left);
}

function unavailable(
  deps: AdmitDeps,
  config: RuntimeConfig,
  ctx: RequestContext,
  facts: RequestFacts,
  plan: AdmissionPlan,
  err: unknown,
): RequestFacts {
  deps.metrics.storeErrors.inc({ op: "admit" });
  const settled = finishCapture(facts, null);
  ctx.facts = settled;
  const limited = plan.request.rates.length > 0 || plan.request.leases.length > 0;
  if (limited) {
    if (config.store.onError === "deny") throw errors.storeUnavailable(err);
    ctx.unenforced = [...(ctx.unenforced ?? []), "limits"];
  }
  return settled;
}

/** Settles the request's reservation once its response has closed (`ctx.releaseSlot`). */
function holdUntilClose(deps: AdmitDeps, ctx: RequestContext, plan: AdmissionPlan): void {
  const { request } = plan;
  if (request.rates.length === 0 && request.leases.length === 0) return;
  const local = ctx.releaseSlot;
  let settled = false;
  ctx.releaseSlot = () => {
    local?.();
    if (settled) return;
    settled = true;
    const now = (ctx.generation.classifier.now ?? Date.now)();
    const settlement = settlementOf(plan, tokenCorrection(ctx, plan), now, true);
    if (settlement !== undefined) deps.store.settle(settlement);
  };
}

/**
 * Tokens to give back (negative) or take (positive) once the response is known: Azure's usage
 * when it reported one; the whole reservation back when nothing reached Azure or it refused the
 * call; the estimate stands for a stream without usage.
 */
export function tokenCorrection(ctx: RequestContext, plan: AdmissionPlan): number {
  const reserved = reservedTokens(plan);
  if (reserved === undefined) return 0;
  const status = ctx.proxy?.upstreamStatus;
  const usage = ctx.proxy?.usage;
  if (usage !== undefined && usage !== null) return usage.totalTokens - reserved;
  if (status === undefined || status >= 400) return -reserved;
  return 0;
}
