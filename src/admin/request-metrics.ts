/**
 * The per-request metric updates: counter increments added up until prom-client collects
 * (deferred-counter.ts), latencies observed on histograms of our own (latency-histogram.ts), so
 * the request path never asks prom-client to hash label values.
 */
import type { JudgeOutcome } from "../pipeline/judge-purpose/judge.js";
import type { JudgeNeed } from "../pipeline/judge-purpose/settle.js";
import { DeploymentLabels } from "./bounded-labels.js";
import { deferredCounter } from "./deferred-counter.js";
import type { GatewayMetrics } from "./metrics.js";

/** Records what one request did, on the gateway's instruments. */
export class RequestMetrics {
  /** Bounds the client-chosen `deployment` label (bounded-labels.ts). */
  readonly deployments = new DeploymentLabels();
  readonly #requests;
  readonly #customerRequests;
  readonly #duration;
  readonly #ttfb;
  readonly #tokens;
  readonly #decisions;
  readonly #whatIfDecisions;
  readonly #policyDuration;
  readonly #judgeAsks;
  readonly #judgeDuration;

  constructor(m: GatewayMetrics) {
    this.#requests = deferredCounter(m.requests);
    this.#customerRequests = deferredCounter(m.customerRequests);
    this.#duration = m.duration;
    this.#ttfb = m.upstreamTtfb;
    this.#tokens = deferredCounter(m.tokens);
    this.#decisions = deferredCounter(m.decisions);
    this.#whatIfDecisions = deferredCounter(m.whatIfDecisions);
    this.#policyDuration = m.policyDuration;
    this.#judgeAsks = deferredCounter(m.judgeAsks);
    this.#judgeDuration = m.judgeDuration;
  }

  /** A finished request: count, duration, upstream time to first byte, tokens. */
  request(
    tenant: string,
    operation: string,
    status: number,
    decision: string,
    seconds: number,
    upstream?: { name: string; ttfbSeconds: number },
    usage?: { deployment: string; promptTokens: number; completionTokens: number },
  ): void {
    this.#requests(tenant, operation, String(status), decision).inc();
    this.#duration.labels(operation).observe(seconds);
    if (upstream !== undefined) this.#ttfb.labels(upstream.name).observe(upstream.ttfbSeconds);
    if (usage !== undefined) {
      this.#tokens(tenant, usage.deployment, "prompt").inc(usage.promptTokens);
      this.#tokens(tenant, usage.deployment, "completion").inc(usage.completionTokens);
    }
  }

  /**
   * A request a vendor made for one of its customers. `customer` must be a customer id from the
   * config (bounded-labels.ts `customerLabel`), so the series stay as many as configured.
   */
  customerRequest(tenant: string, customer: string, decision: string): void {
    this.#customerRequests(tenant, customer, decision).inc();
  }

  /**
   * A policy decision: one count per deciding policy, and the time classification + policy took.
   * A what-if evaluation is counted apart (`gateway_what_if_decisions_total`), so probing the
   * policy never shows up as real denials.
   */
  decision(
    tenant: string,
    decision: string,
    policies: readonly { id: string; mode: string }[],
    memoHit: boolean,
    seconds: number,
    whatIf = false,
  ): void {
    if (whatIf) this.#whatIfDecisions(tenant, decision).inc();
    else for (const p of policies) this.#decisions(tenant, decision, p.id, p.mode).inc();
    this.#policyDuration.labels(memoHit ? "hit" : "miss").observe(seconds);
  }

  /**
   * One ask of the purpose judge: what it could change and how it ended, so an operator sees the
   * judge's volume (screening asks on every image call of a banned tenant), verdicts and failures.
   */
  judge(need: JudgeNeed, outcome: JudgeOutcome): void {
    this.#judgeAsks(need, judgeOutcomeLabel(outcome)).inc();
    if (outcome.ms > 0 && outcome.cached !== true) {
      this.#judgeDuration.labels(outcome.upstream).observe(outcome.ms / 1000);
    }
  }
}

/** A bounded label for a judge outcome: the verdict, or the kind of failure. */
function judgeOutcomeLabel(outcome: JudgeOutcome): string {
  if (outcome.verdict !== undefined) {
    return outcome.cached === true ? `cached-${outcome.verdict}` : outcome.verdict;
  }
  const e = outcome.error;
  return e === "timeout" || e === "busy" || e === "too-long" ? e : "failed";
}
