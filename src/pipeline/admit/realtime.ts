/**
 * Tenant limits on Realtime sessions (docs/configuration.md#per-tenant-limits): opening a session
 * spends one request; each `response.create` spends one more and reserves its output tokens
 * (`response.max_output_tokens`, or `limits.defaultMaxOutputTokens`), corrected from the usage of
 * the matching `response.done`. The input a realtime response reads is the conversation held
 * upstream (audio included), known only from that usage, so it is charged afterwards.
 */
import { randomUUID } from "node:crypto";
import { errors } from "../../errors.js";
import type { RequestContext } from "../context.js";
import { type AdmitDeps, refusalOf, withAdmission } from "./admit.js";
import { planAdmission, reservedTokens, settlementOf } from "./plan.js";

/** A response's token reservation, settled by its `response.done`. */
export interface ResponseReservation {
  settle(totalTokens: number): void;
}

/** Spends the session's request; throws (or rejects with) the 429 or 503 when refused. */
export function admitSession(deps: AdmitDeps, session: RequestContext): void | Promise<void> {
  const admitted = admitRealtime(deps, session, undefined, undefined);
  if (admitted instanceof Promise) return admitted.then(() => undefined);
}

/**
 * Spends a `response.create`'s request and reserves its output tokens; resolves with the
 * reservation to settle from its `response.done` (undefined when no token limit applies).
 */
export function admitResponse(
  deps: AdmitDeps,
  session: RequestContext,
  maxOutputTokens: number | undefined,
): ResponseReservation | undefined | Promise<ResponseReservation | undefined> {
  const tokens = maxOutputTokens ?? session.generation.config.limits.defaultMaxOutputTokens;
  return admitRealtime(deps, session, tokens, randomUUID());
}

function admitRealtime(
  deps: AdmitDeps,
  session: RequestContext,
  tokens: number | undefined,
  requestId: string | undefined,
): ResponseReservation | undefined | Promise<ResponseReservation | undefined> {
  const plan = planAdmission({
    tenant: session.tenant!,
    customerId: session.agency?.onBehalfOf,
    requestId: requestId ?? session.decisionId,
    now: Date.now(),
    whatIf: false,
    pendingCapture: undefined,
    tokens,
    // A session may last hours: its concurrency is the local slot, not a fleet lease.
    fleetLeases: false,
    leaseTtlMs: 0,
  });
  if (plan === undefined) return undefined;
  const reservation = (): ResponseReservation | undefined => {
    const reserved = reservedTokens(plan);
    if (reserved === undefined) return undefined;
    return {
      settle(totalTokens) {
        const settlement = settlementOf(plan, totalTokens - reserved, Date.now(), false);
        if (settlement !== undefined) deps.store.settle(settlement);
      },
    };
  };
  return withAdmission(
    deps.store,
    plan.request,
    (result) => {
      if (result.refused !== undefined) {
        throw refusalOf(deps, session, plan, result.remaining, result.refused);
      }
      return reservation();
    },
    (err) => {
      deps.metrics.storeErrors.inc({ op: "admit" });
      if (session.generation.config.store.onError === "deny") throw errors.storeUnavailable(err);
      return undefined;
    },
  );
}
