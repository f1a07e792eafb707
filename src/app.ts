/**
 * The data plane: registers the pipeline stages in order on a Fastify instance and nothing else
 * (docs/architecture.md). Never listens; `runtime/gateway.ts` does.
 *
 *   onRequest      identify-tenant/hook.ts     tenant, agency, config generation, audit on close,
 *                  limit-tenant/hook.ts        what-if calls per minute, concurrency slot (one process)
 *   body parser    read-body/hook.ts           read the whole body under the limit and timeouts
 *   preHandler     evaluate-policy/hook.ts     classify the request, admit it (admit/: frame windows,
 *                                              rate limits, fleet leases in the shared store), decide,
 *                  forward/hook.ts             then forward an allowed call and stream back
 *   handler        forward/hook.ts             the 403 of a denied call
 *   (on close)     audit/hook.ts               one audit record, metrics, span
 *   clientError    respond.ts                  what Node's parser refused: 400, 408, 431
 *   upgrade        realtime/upgrade.ts         Realtime WebSocket sessions, every client event judged
 */
import { readFileSync } from "node:fs";
import Fastify, { type FastifyInstance } from "fastify";
import { RequestMetrics } from "./admin/request-metrics.js";
import { type DataPlaneDeps, type StageDeps, WHAT_IF_PREFIX } from "./pipeline/data-plane.js";
import { decideHook } from "./pipeline/evaluate-policy/hook.js";
import { forwardAllowed, forwardHandler } from "./pipeline/forward/hook.js";
import { identifyHook } from "./pipeline/identify-tenant/hook.js";
import { createTenantLimiters } from "./pipeline/limit-tenant/hook.js";
import { registerBodyReaders } from "./pipeline/read-body/hook.js";
import { RealtimeSessions } from "./pipeline/realtime/sessions.js";
import { realtimeUpgradeHandler } from "./pipeline/realtime/upgrade.js";
import { clientErrorHandler, errorHandler, notFoundHandler } from "./pipeline/respond.js";
import { whatIfHandler } from "./pipeline/what-if.js";
import { MemoryStore } from "./store/memory-store.js";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/** The PEM files of `listen.tls`, read (start-up and reloads). */
export function readTls(tls: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(tls.cert), key: readFileSync(tls.key) };
}

/** Builds the data-plane Fastify instance. */
export function buildDataPlane(deps: DataPlaneDeps): FastifyInstance {
  const stage: StageDeps = {
    ...deps,
    requestMetrics: new RequestMetrics(deps.metrics),
    limiters: createTenantLimiters(deps.metrics.tenantInflight),
    store: deps.store ?? new MemoryStore(deps.current().config.limits.maxStoredObjects),
    realtime: deps.realtime ?? new RealtimeSessions(),
  };
  const { tls, trustedProxies } = deps.current().config.listen;
  const app = Fastify({
    logger: false,
    // The openai SDK's realtime clients always connect with `wss:` (docs/configuration.md).
    ...(tls === null ? {} : { https: readTls(tls) }),
    routerOptions: { ignoreDuplicateSlashes: true },
    // `X-Forwarded-For` believed only from the ingress (attribution.ts applies the same rule).
    trustProxy: trustedProxies.length === 0 ? false : [...trustedProxies],
    bodyLimit: 2 ** 31 - 1, // enforced per generation by the body readers
    return503OnClosing: false, // the pipeline answers an Azure-shaped 503 itself
    forceCloseConnections: false,
    // Node's parser errors (400, 408, 431) get Azure-shaped, audited answers too.
    clientErrorHandler: clientErrorHandler(stage),
  });
  app.decorateRequest("gw", null);
  app.decorateRequest("rawBody", null);
  app.decorateRequest("bodyFormat", null);
  app.decorateRequest("readBody", null);
  registerBodyReaders(app, deps);
  app.setErrorHandler(errorHandler(deps));
  app.setNotFoundHandler(notFoundHandler);

  app.register(async (dataPlane) => {
    dataPlane.route({
      method: METHODS,
      url: "/openai/*",
      onRequest: identifyHook(stage, false),
      preHandler: decideHook(stage, forwardAllowed(stage)),
      handler: forwardHandler(stage),
    });
    dataPlane.route({
      method: ["POST", "PUT", "GET", "DELETE", "PATCH"],
      url: `${WHAT_IF_PREFIX}/*`,
      onRequest: identifyHook(stage, true),
      preHandler: decideHook(stage),
      handler: whatIfHandler,
    });
  });
  app.server.on("upgrade", realtimeUpgradeHandler(stage));
  return app;
}
