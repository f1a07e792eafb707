/**
 * Prometheus metrics (prom-client) on a registry of the gateway's own, so several gateways in one
 * process (tests) do not share counters. Label values are bounded: tenants and deployments come
 * from the config and the upstream, operations from a fixed list.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { LatencyHistogram } from "./latency-histogram.js";

/** The gateway's metric instruments. */
export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<"tenant" | "operation" | "status" | "decision">;
  customerRequests: Counter<"tenant" | "customer" | "decision">;
  duration: LatencyHistogram<"operation">;
  upstreamTtfb: LatencyHistogram<"upstream">;
  tokens: Counter<"tenant" | "deployment" | "kind">;
  decisions: Counter<"tenant" | "decision" | "policy" | "mode">;
  whatIfDecisions: Counter<"tenant" | "decision">;
  policyDuration: LatencyHistogram<"memo">;
  reloads: Counter<"result">;
  upstreamAttempts: Counter<"upstream" | "outcome">;
  upstreamBreaker: Gauge<"upstream">;
  tenantInflight: Gauge<"tenant">;
  realtimeSessions: Gauge<"tenant">;
  realtimeEvents: Counter<"direction">;
  realtimeDenials: Counter<"event">;
  storeErrors: Counter<"op">;
  storeReady: Gauge;
  rateLimited: Counter<"tenant" | "limit">;
  judgeAsks: Counter<"need" | "outcome">;
  judgeDuration: LatencyHistogram<"upstream">;
}

const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Creates the instruments on a fresh registry, with Node's default process metrics. */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  // prom-client's names already start with `process_` or `nodejs_`: `gateway_process_cpu_...`,
  // `gateway_nodejs_heap_...` (a `gateway_process_` prefix doubled the word).
  // The event-loop lag is sampled every 100 ms, not prom-client's 10: each sample is a timer that
  // wakes the process, and at 10 ms an idle gateway spent 10 ms of CPU a second on them (1.1 ms at
  // 100), which calls arriving one at a time paid for (docs/performance.md, round four).
  collectDefaultMetrics({
    register: registry,
    prefix: "gateway_",
    eventLoopMonitoringPrecision: 100,
  });
  return {
    registry,
    requests: new Counter({
      name: "gateway_requests_total",
      help: "Data-plane requests by tenant, operation, HTTP status and decision",
      labelNames: ["tenant", "operation", "status", "decision"],
      registers: [registry],
    }),
    customerRequests: new Counter({
      name: "gateway_customer_requests_total",
      help: "Data-plane requests a vendor made for one of its configured customers, by decision (what-if calls apart)",
      labelNames: ["tenant", "customer", "decision"],
      registers: [registry],
    }),
    duration: new LatencyHistogram({
      name: "gateway_request_duration_seconds",
      help: "Time from request arrival to the end of the response",
      labelNames: ["operation"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    upstreamTtfb: new LatencyHistogram({
      name: "gateway_upstream_ttfb_seconds",
      help: "Time from dispatching a call upstream to its response headers",
      labelNames: ["upstream"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    tokens: new Counter({
      name: "gateway_tokens_total",
      help: "Tokens reported by upstream, by tenant, deployment and kind (prompt, completion)",
      labelNames: ["tenant", "deployment", "kind"],
      registers: [registry],
    }),
    decisions: new Counter({
      name: "gateway_policy_decisions_total",
      help: "Policy decisions by tenant, decision, deciding policy and its mode",
      labelNames: ["tenant", "decision", "policy", "mode"],
      registers: [registry],
    }),
    whatIfDecisions: new Counter({
      name: "gateway_what_if_decisions_total",
      help: "What-if evaluations (/_gateway/evaluate/...) by tenant and the decision they would have had; never counted as real decisions",
      labelNames: ["tenant", "decision"],
      registers: [registry],
    }),
    policyDuration: new LatencyHistogram({
      name: "gateway_policy_duration_seconds",
      help: "Time spent classifying a request and evaluating the policy",
      labelNames: ["memo"],
      buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05],
      registers: [registry],
    }),
    reloads: new Counter({
      name: "gateway_config_reloads_total",
      help: "Config reloads by result (success, failure)",
      labelNames: ["result"],
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: "gateway_upstream_attempts_total",
      help: "Calls to upstreams by upstream and outcome (success, throttled, server-error, unreachable, timeout, auth-failed, aborted)",
      labelNames: ["upstream", "outcome"],
      registers: [registry],
    }),
    upstreamBreaker: new Gauge({
      name: "gateway_upstream_circuit_state",
      help: "Circuit breaker state by upstream: 0 closed, 1 half-open, 2 open",
      labelNames: ["upstream"],
      registers: [registry],
    }),
    tenantInflight: new Gauge({
      name: "gateway_tenant_inflight_requests",
      help: "Data-plane requests in flight on this process by tenant (what tenants[].limits.maxConcurrentRequests caps)",
      labelNames: ["tenant"],
      registers: [registry],
    }),
    realtimeSessions: new Gauge({
      name: "gateway_realtime_sessions_open",
      help: "Realtime WebSocket sessions open on this process by tenant",
      labelNames: ["tenant"],
      registers: [registry],
    }),
    realtimeEvents: new Counter({
      name: "gateway_realtime_events_total",
      help: "Realtime events relayed, by direction (client: forwarded upstream; server: relayed to the client)",
      labelNames: ["direction"],
      registers: [registry],
    }),
    realtimeDenials: new Counter({
      name: "gateway_realtime_denied_events_total",
      help: "Realtime client events the policy denied, by kind (session.update closes the session; event)",
      labelNames: ["event"],
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: "gateway_store_errors_total",
      help: "Shared-store operations that failed or timed out, by operation (admit, settle, objects, auth)",
      labelNames: ["op"],
      registers: [registry],
    }),
    storeReady: new Gauge({
      name: "gateway_store_ready",
      help: "Whether the shared store answers: 1 ready, 0 down (the memory store is always 1)",
      registers: [registry],
    }),
    judgeAsks: new Counter({
      name: "gateway_judge_asks_total",
      help: "Asks of the purpose judge (classification.judge) by need (raise, clear, screen) and outcome (its verdict, cached-<verdict>, or timeout, busy, too-long, failed)",
      labelNames: ["need", "outcome"],
      registers: [registry],
    }),
    judgeDuration: new LatencyHistogram({
      name: "gateway_judge_duration_seconds",
      help: "Time a request waited for the purpose judge's answer (cache hits and asks refused before a call excluded)",
      labelNames: ["upstream"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "gateway_rate_limited_total",
      help: "Requests refused 429 by a tenant or customer limit, by tenant and limit (requests, tokens, concurrency)",
      labelNames: ["tenant", "limit"],
      registers: [registry],
    }),
  };
}
