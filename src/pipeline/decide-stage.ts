/**
 * Stages 2 and 3 glued together: classify the request into facts, then evaluate the policy on
 * them. Records the decision and its cost on the request context and in the metrics.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { GatewayMetrics } from "../admin/metrics.js";
import type { RequestFacts } from "./classify-request/facts.js";
import { classifyRequest } from "./classify-request/index.js";
import type { RequestContext } from "./context.js";

/**
 * Classifies the request and decides; throws coded 400s on invalid declarations or bodies.
 * Returns a promise only when classification had to wait for EXIF parsing.
 */
export function decideRequest(
  ctx: RequestContext,
  headers: IncomingHttpHeaders,
  body: unknown,
  metrics: GatewayMetrics,
): void | Promise<void> {
  const started = performance.now();
  const facts = classifyRequest(
    { route: ctx.route, headers, body, tenant: ctx.tenant!, now: Date.now() },
    ctx.generation.classifier,
  );
  if (facts instanceof Promise) {
    return facts.then((f) => decideOnFacts(ctx, f, metrics, started));
  }
  decideOnFacts(ctx, facts, metrics, started);
}

function decideOnFacts(
  ctx: RequestContext,
  facts: RequestFacts,
  metrics: GatewayMetrics,
  started: number,
): void {
  const { generation } = ctx;
  ctx.facts = facts;
  const decision = generation.policy.evaluate(
    { agency: ctx.agency!, facts },
    { dryRun: generation.config.mode === "dry-run" },
  );
  ctx.decision = decision;
  for (const p of decision.policies) {
    metrics.decisions.labels(ctx.tenant!.id, decision.decision, p.id, p.mode).inc();
  }
  ctx.policyMs = performance.now() - started;
  metrics.policyDuration.labels(decision.memoHit ? "hit" : "miss").observe(ctx.policyMs / 1000);
}
