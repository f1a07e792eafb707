/**
 * Stages 2 and 3 glued together: classify the request into facts, then evaluate the policy on
 * them. Records the decision and its cost on the request context and in the metrics.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { GatewayMetrics } from "../admin/metrics.js";
import { classifyRequest } from "./classify-request/index.js";
import type { RequestContext } from "./context.js";

/** Classifies the request and decides; throws coded 400s on invalid declarations or bodies. */
export function decideRequest(
  ctx: RequestContext,
  headers: IncomingHttpHeaders,
  body: unknown,
  metrics: GatewayMetrics,
): void {
  const started = performance.now();
  const { generation } = ctx;
  const facts = classifyRequest(
    { route: ctx.route, headers, body, tenant: ctx.tenant!, now: Date.now() },
    generation.classifier,
  );
  ctx.facts = facts;
  const policy = generation.policy;
  if (policy !== undefined) {
    const decision = policy.evaluate(
      { agency: ctx.agency!, facts },
      { dryRun: generation.config.mode === "dry-run" },
    );
    ctx.decision = decision;
    for (const p of decision.policies) {
      metrics.decisions.labels(ctx.tenant!.id, decision.decision, p.id, p.mode).inc();
    }
  }
  ctx.policyMs = performance.now() - started;
  metrics.policyDuration
    .labels(ctx.decision?.memoHit ? "hit" : "miss")
    .observe(ctx.policyMs / 1000);
}
