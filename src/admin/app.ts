/**
 * The admin listener (own port, never exposed to tenants): liveness, readiness, Prometheus
 * metrics, and the decisions dashboard with its API. `admin.token`, when set, guards everything
 * but the probes (src/admin/access.ts).
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { RuntimeConfig } from "../config/index.js";
import { GatewayHttpError } from "../errors.js";
import { adminAllowed, adminChallenge } from "./access.js";
import { registerDashboard } from "./dashboard.js";
import type { DecisionIndex } from "./decisions/index.js";
import { registerDecisionRoutes } from "./decisions/routes.js";
import type { GatewayMetrics } from "./metrics.js";

/** What the admin endpoints report on. */
export interface AdminDeps {
  metrics: GatewayMetrics;
  /** Null when ready, else why not (e.g. `shutting down`). */
  notReadyReason(): string | null;
  /** Facts for `/readyz`: current generation and policy revision. */
  status(): Record<string, unknown>;
  /** The running config: its `admin.token` (a reload rotates it) and the what-if's tenants. */
  config(): RuntimeConfig;
  decisions: DecisionIndex;
}

/**
 * The dashboard runs only its own files: no inline script, no other origin, not in a frame; so a
 * value that slipped into a page as markup still could not run.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/** Builds the admin Fastify instance. */
export function buildAdmin(deps: AdminDeps): FastifyInstance {
  // A what-if body may carry an inline image: as large as the data plane would take.
  const app = Fastify({ logger: false, bodyLimit: deps.config().limits.maxBodyBytes });
  app.addHook("onRequest", async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    const path = req.url.split("?", 1)[0]!;
    if (adminAllowed(deps.config().admin.token, path, req.headers.authorization)) return;
    const err = new GatewayHttpError(
      "GatewayAuthenticationFailed",
      "the admin token is missing or wrong: send `Authorization: Bearer <admin.token>`",
    );
    return reply.code(401).header("www-authenticate", adminChallenge(path)).send(err.toBody());
  });
  app.setErrorHandler((error, _req, reply) => {
    const err =
      error instanceof GatewayHttpError
        ? error
        : isClientError(error)
          ? new GatewayHttpError("InvalidRequest", (error as Error).message)
          : new GatewayHttpError("GatewayError", "the admin API failed to answer");
    return reply.code(err.statusCode).send(err.toBody());
  });
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
  registerDecisionRoutes(app, deps);
  registerDashboard(app);
  return app;
}

/** Fastify's own 4xx (schema validation, a malformed JSON body...): the caller's mistake. */
function isClientError(error: unknown): boolean {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}
