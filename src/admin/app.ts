/**
 * The admin listener (own port, never exposed to tenants): liveness, readiness and Prometheus
 * metrics.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { GatewayMetrics } from "./metrics.js";

/** What the admin endpoints report on. */
export interface AdminDeps {
  metrics: GatewayMetrics;
  /** Null when ready, else why not (e.g. `shutting down`). */
  notReadyReason(): string | null;
  /** Facts for `/readyz`: current generation and policy revision. */
  status(): Record<string, unknown>;
}

/** Builds the admin Fastify instance. */
export function buildAdmin(deps: AdminDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const reason = deps.notReadyReason();
    if (reason !== null) return reply.code(503).send({ status: "not ready", reason });
    return { status: "ready", ...deps.status() };
  });
  app.get("/metrics", async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
  return app;
}
