/**
 * Stage 5: when a data-plane response closes, whatever the end was (answered, denied, failed,
 * abandoned by the client), free its concurrency slot, write its one audit record, end its span,
 * record its metrics and release its config generation. Exactly once per request (`ctx.audited`).
 */
import type { ServerResponse } from "node:http";
import type { FastifyRequest } from "fastify";
import { customerLabel, tenantLabel } from "../../admin/bounded-labels.js";
import type { StageDeps } from "../data-plane.js";
import { endRequestSpan } from "../tracing.js";
import { auditRecord } from "./record.js";
import { upstreamFailureLine } from "./upstream-failure.js";

/** Audits `request` once its response has closed. */
export function auditOnClose(deps: StageDeps, request: FastifyRequest, res: ServerResponse): void {
  const ctx = request.gw;
  if (ctx === null) return;
  ctx.releaseSlot?.(); // the concurrency slot, exactly once (idempotent)
  if (ctx.audited) return;
  ctx.audited = true;
  if (ctx.pinned) deps.release(ctx.generation);
  const now = performance.now();
  const aborted = !res.writableFinished;
  const status = res.headersSent ? res.statusCode : 499;
  const record = auditRecord(ctx, request.method, ctx.path, status, now);
  // The response closed before it was complete and upstream did not cut it: the client left.
  if (aborted && record.upstreamError === undefined) record.clientAborted = true;
  deps.audit.write(record);
  const failed = upstreamFailureLine(ctx, record);
  if (failed !== undefined) deps.log.warn(failed, "upstream failed");
  if (ctx.span !== undefined) {
    endRequestSpan(
      ctx.span,
      {
        "gateway.decision_id": record.decisionId,
        "gateway.tenant": record.tenant ?? undefined,
        "gateway.operation": record.operation,
        "gateway.deployment": record.deployment ?? undefined,
        "gateway.decision": record.decision,
        "gateway.policies": record.policies?.join(","),
        "gateway.upstream": record.upstream ?? undefined,
      },
      status,
    );
  }
  const config = ctx.generation.config;
  const customer = customerLabel(record.tenant, record.onBehalfOf, config);
  if (customer !== undefined && !ctx.whatIf) {
    deps.requestMetrics.customerRequest(
      tenantLabel(record.tenant, config),
      customer,
      record.decision,
    );
  }
  deps.requestMetrics.request(
    tenantLabel(record.tenant, config),
    record.operation,
    status,
    ctx.whatIf ? "what-if" : record.decision, // a what-if denial denied nothing
    (now - ctx.startedAt) / 1000,
    ctx.proxy?.upstreamTtfbMs !== undefined && ctx.upstreamName !== undefined
      ? { name: ctx.upstreamName, ttfbSeconds: ctx.proxy.upstreamTtfbMs / 1000 }
      : undefined,
    record.usage === undefined
      ? undefined
      : {
          deployment: deps.requestMetrics.deployments.label(record.deployment, config),
          ...record.usage,
        },
  );
}
