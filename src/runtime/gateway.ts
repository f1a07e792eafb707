/**
 * Starts and stops a whole gateway: config, the embedded simulator when an upstream says
 * `endpoint: simulator`, upstream pools, the policy engine, the data-plane and admin listeners.
 * Used by `policy-gateway serve` and by the integration tests alike.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { type Logger, pino } from "pino";
import { buildAdmin } from "../admin/app.js";
import { createMetrics, type GatewayMetrics } from "../admin/metrics.js";
import { buildDataPlane } from "../app.js";
import { loadConfig } from "../config/index.js";
import { type AuditSink, openAuditSink } from "../pipeline/audit/sink.js";
import { MemoryFrameWindowStore } from "../pipeline/classify-request/frame-rate.js";
import {
  compilePolicyEngine,
  loadPolicySources,
  type PolicyEngine,
} from "../pipeline/evaluate-policy/index.js";
import {
  closeUpstreams,
  openUpstreams,
  type UpstreamRuntimeOptions,
  UpstreamState,
} from "../pipeline/forward/upstreams.js";
import { type RunningSimulator, startSimulator } from "../simulator/index.js";
import { buildGeneration, type Generation } from "./generation.js";

/** How to start a gateway. */
export interface GatewayOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** Override the config's listen/admin addresses (tests pass port 0). */
  listen?: { host?: string; port?: number };
  admin?: { host?: string; port?: number };
  /** Audit destination override (tests capture records in memory). */
  auditStream?: Writable;
  /** Operational log destination; stderr by default. */
  logStream?: Writable;
  /** Clock, randomness and Entra ID credential of the forwarder (tests inject fakes). */
  upstreams?: UpstreamRuntimeOptions;
}

/** A running gateway. */
export interface RunningGateway {
  url: string;
  adminUrl: string;
  simulator: RunningSimulator | undefined;
  metrics: GatewayMetrics;
  log: Logger;
  current(): Generation;
  /** Stops accepting, lets in-flight calls finish, flushes the audit. */
  close(): Promise<void>;
}

function urlOf(app: FastifyInstance): string {
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return `http://${host === "0.0.0.0" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host}:${addr.port}`;
}

/** Starts a gateway from a config file. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const config = loadConfig(options.configFile, options.env ?? process.env);
  const log = pino(
    { base: { component: "policy-gateway" }, level: config.log.level },
    options.logStream ?? pino.destination({ dest: 2, sync: false }),
  );

  let simulator: RunningSimulator | undefined;
  const metrics = createMetrics();
  // Breakers, cool-downs and Entra ID tokens outlive a reload.
  const upstreamState = new UpstreamState({
    ...options.upstreams,
    metrics: { attempts: metrics.upstreamAttempts, breakerState: metrics.upstreamBreaker },
  });
  let simulatorApiKey: string | undefined;
  if (config.upstreams.some((u) => u.endpoint === "simulator")) {
    simulatorApiKey = randomBytes(16).toString("hex");
    simulator = await startSimulator({ host: "127.0.0.1", port: 0, apiKey: simulatorApiKey });
    log.info({ url: simulator.url }, "embedded Azure OpenAI simulator started");
  }
  const upstreamOpts = {
    ...(simulator ? { simulatorOrigin: simulator.url } : {}),
    ...(simulatorApiKey ? { simulatorApiKey } : {}),
    state: upstreamState,
  };
  const upstreams = openUpstreams(config, upstreamOpts);
  const frames = new MemoryFrameWindowStore();
  const generation = buildGeneration(config, upstreams, frames);
  const policy = generation.policy;

  const audit: AuditSink = openAuditSink(options.auditStream ?? config.audit.destination, {
    ...config.audit,
    log,
  });
  let closing = false;
  const current = () => generation;
  const dataPlane = buildDataPlane({ current, audit, metrics, log });
  const admin = buildAdmin({
    metrics,
    notReadyReason: () => (closing ? "shutting down" : null),
    status: () => ({
      generation: generation.id,
      policyRevision: generation.policy.revision,
    }),
  });

  await dataPlane.listen({
    host: options.listen?.host ?? config.listen.host,
    port: options.listen?.port ?? config.listen.port,
  });
  await admin.listen({
    host: options.admin?.host ?? config.admin.host,
    port: options.admin?.port ?? config.admin.port,
  });
  const url = urlOf(dataPlane);
  const adminUrl = urlOf(admin);
  log.info(
    { url, adminUrl, policyRevision: policy.revision, mode: config.mode },
    "gateway listening",
  );

  return {
    url,
    adminUrl,
    simulator,
    metrics,
    log,
    current,
    async close() {
      closing = true;
      await dataPlane.close();
      await admin.close();
      await closeUpstreams(generation.upstreams);
      await simulator?.close();
      await audit.flush();
    },
  };
}
