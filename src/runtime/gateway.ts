/**
 * Starts and stops a whole gateway: config, the embedded simulator when an upstream says
 * `endpoint: simulator`, upstream pools, the policy engine, the data-plane and admin listeners.
 * Used by `policy-gateway serve` and by the integration tests alike.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import { type Logger, pino } from "pino";
import { buildAdmin } from "../admin/app.js";
import { feedingIndex } from "../admin/decisions/feed.js";
import { DecisionIndex } from "../admin/decisions/index.js";
import { reasonIn } from "../admin/decisions/reasons.js";
import { rebuildFromAuditFiles } from "../admin/decisions/rebuild.js";
import { createMetrics, type GatewayMetrics } from "../admin/metrics.js";
import { buildDataPlane, readTls } from "../app.js";
import { loadConfig, type RuntimeConfig } from "../config/index.js";
import { GatewayHttpError } from "../errors.js";
import { prepareTokenEstimates } from "../pipeline/admit/tokens.js";
import { type AuditLock, lockAuditFile } from "../pipeline/audit/lock.js";
import { type AuditSink, openAuditSink } from "../pipeline/audit/sink.js";
import { ensurePurposeModel } from "../pipeline/classify-request/purposes/model/shipped.js";
import { loadPolicySources } from "../pipeline/evaluate-policy/load-sources.js";
import { vocabularyWarnings } from "../pipeline/evaluate-policy/vocabulary.js";
import {
  closeUpstreams,
  openUpstreams,
  type UpstreamRuntimeOptions,
  UpstreamState,
} from "../pipeline/forward/upstreams.js";
import { RealtimeSessions } from "../pipeline/realtime/sessions.js";
import { type RunningSimulator, startSimulator } from "../simulator/index.js";
import { openStore } from "../store/open-store.js";
import type { SharedStore } from "../store/types.js";
import { refuseExposedDemoKeys } from "./demo-keys.js";
import { buildGeneration, buildGenerationYielding, type Generation } from "./generation.js";
import { Generations } from "./generations.js";
import { watchConfigFiles, watchTargets } from "./watch.js";

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
  /** The clock of classification (frame windows, EXIF capture times); tests inject a fake. */
  classifierNow?: () => number;
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
  /**
   * Loads the config and policy files again and, when they are valid, swaps them in atomically;
   * when they are not, keeps the running config, logs why and counts a failed reload.
   */
  reload(
    reason: string,
  ): Promise<{ ok: true; generation: number } | { ok: false; problems: string[] }>;
  /**
   * Graceful shutdown: readiness goes 503, no new connections, in-flight calls and streams finish
   * up to `shutdown.deadlineMs` (then they are cut), upstream pools close, the audit is flushed and closed.
   */
  close(): Promise<void>;
}

function problemsOf(err: unknown): string[] {
  const p = (err as { problems?: unknown }).problems;
  return Array.isArray(p) ? p.map(String) : [(err as Error).message ?? String(err)];
}

function urlOf(app: FastifyInstance, scheme: "http" | "https" = "http"): string {
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return `${scheme}://${host === "0.0.0.0" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host}:${addr.port}`;
}

/** How long a realtime session has to answer the shutdown's close frame before it is cut. */
const REALTIME_CLOSE_GRACE_MS = 1000;

/** Starts a gateway from a config file. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const config = loadConfig(options.configFile, env);
  const log = pino(
    { base: { component: "policy-gateway" }, level: config.log.level },
    options.logStream ?? pino.destination({ dest: 2, sync: false }),
  );

  const listenHost = options.listen?.host ?? config.listen.host;
  refuseExposedDemoKeys(config, listenHost);
  // One writer per audit file (pipeline/audit/lock.ts): refused here, before anything is opened.
  const auditLock: AuditLock | null =
    options.auditStream === undefined && config.audit.destination !== "stdout"
      ? lockAuditFile(config.audit.destination, (stale) =>
          log.warn({ file: config.audit.destination, stale }, "took over a stale audit lock"),
        )
      : null;
  // The embedded simulator lives as long as the gateway, across reloads.
  let simulator: RunningSimulator | undefined;
  const metrics = createMetrics();
  // Breakers, cool-downs and Entra ID tokens outlive a reload.
  const upstreamState = new UpstreamState({
    ...options.upstreams,
    metrics: { attempts: metrics.upstreamAttempts, breakerState: metrics.upstreamBreaker },
  });
  const simulatorApiKey = randomBytes(16).toString("hex");
  const openPools = async (cfg: RuntimeConfig) => {
    if (simulator === undefined && cfg.upstreams.some((u) => u.endpoint === "simulator")) {
      simulator = await startSimulator({ host: "127.0.0.1", port: 0, apiKey: simulatorApiKey });
      log.info({ url: simulator.url }, "embedded Azure OpenAI simulator started");
    }
    return openUpstreams(cfg, {
      ...(simulator ? { simulatorOrigin: simulator.url } : {}),
      simulatorApiKey,
      state: upstreamState,
    });
  };
  // Frame windows, limits and stored objects live in the shared store (admit/, own-objects/).
  const store: SharedStore = await openStore(config, metrics, log);
  await prepareTokenEstimates(config);
  // Cool-downs Azure asks for are the deployment's: a fleet shares them (docs/operations.md).
  if (store.type !== "memory") {
    upstreamState.onCoolDown = (u, d, ms) => store.shareCoolDown(u, d, ms);
    store.onSharedCoolDown((u, d, ms) => upstreamState.applyCoolDown(u, d, ms));
  }
  const model = await ensurePurposeModel();
  if (model === undefined)
    log.warn("no purpose model in the package: purposes come from the rules alone");
  const upstreams = await openPools(config);
  const generations = new Generations(
    buildGeneration(config, upstreams, undefined, options.classifierNow),
    (retired) => {
      closeUpstreams(retired.upstreams).catch((err: unknown) =>
        log.warn({ err, generation: retired.id }, "closing a retired generation's pools failed"),
      );
    },
  );

  warnNeverMatching(config, log);
  // The dashboard's decisions: read back from the audit files, then fed by every record written.
  const decisions = new DecisionIndex(config.admin.decisions);
  const reasonOf = (id: string) => reasonIn(generations.current().policy, id);
  if (options.auditStream === undefined && config.audit.destination !== "stdout") {
    const read = await rebuildFromAuditFiles(
      decisions,
      config.audit.destination,
      Date.now() - config.admin.decisions.windowMs,
      reasonOf,
    );
    log.info({ ...read, held: decisions.size }, "decisions index rebuilt from the audit files");
  }
  const audit: AuditSink = feedingIndex(
    openAuditSink(options.auditStream ?? config.audit.destination, { ...config.audit, log }),
    decisions,
    reasonOf,
  );
  let closing = false;
  const realtime = new RealtimeSessions();
  const dataPlane = buildDataPlane({
    realtime,
    store,
    current: () => generations.current(),
    acquire: () => {
      if (closing) {
        throw new GatewayHttpError("ServiceUnavailable", "the gateway is shutting down", {
          headers: { connection: "close" },
        });
      }
      return generations.acquire();
    },
    release: (g) => generations.release(g),
    audit,
    metrics,
    log,
  });
  const admin = buildAdmin({
    metrics,
    decisions,
    config: () => generations.current().config,
    notReadyReason: () => {
      if (closing) return "shutting down";
      const health = store.health();
      // With `onError: deny` a replica without its store refuses limited calls: out of rotation.
      if (!health.ready && config.store.onError === "deny") {
        return `shared store unavailable: ${health.error ?? "not connected"}`;
      }
      return null;
    },
    status: () => ({
      store: store.health(),
      generation: generations.current().id,
      policyRevision: generations.current().policy.revision,
      inflight: generations.inflight(),
    }),
  });

  try {
    await dataPlane.listen({
      host: listenHost,
      port: options.listen?.port ?? config.listen.port,
    });
    await admin.listen({
      host: options.admin?.host ?? config.admin.host,
      port: options.admin?.port ?? config.admin.port,
    });
  } catch (err) {
    // A port in use: release what started, so the caller (the CLI) can report it and exit.
    await Promise.allSettled([dataPlane.close(), admin.close()]);
    await Promise.allSettled(generations.all().map((g) => closeUpstreams(g.upstreams)));
    await Promise.allSettled([simulator?.close(), store.close(), audit.close()]);
    auditLock?.release();
    throw err;
  }
  const url = urlOf(dataPlane, config.listen.tls === null ? "http" : "https");
  const adminUrl = urlOf(admin);
  log.info(
    { url, adminUrl, policyRevision: generations.current().policy.revision, mode: config.mode },
    "gateway listening",
  );

  // Reloads run one at a time, in order.
  let reloading: Promise<unknown> = Promise.resolve();
  const reloadNow = async (reason: string) => {
    const before = generations.current();
    let pools: Awaited<ReturnType<typeof openPools>> | undefined;
    try {
      const next = loadConfig(options.configFile, env);
      refuseExposedDemoKeys(next, listenHost);
      await loadModelIfOn(next, log);
      await prepareTokenEstimates(next);
      pools = await openPools(next);
      await nextTurn();
      const generation = await buildGenerationYielding(
        next,
        pools,
        undefined,
        options.classifierNow,
      );
      if (
        next.listen.port !== before.config.listen.port ||
        next.admin.port !== before.config.admin.port ||
        (next.listen.tls === null) !== (before.config.listen.tls === null)
      ) {
        log.warn("listen and admin addresses, and turning TLS on or off, change only on restart");
      }
      if (JSON.stringify(next.store) !== JSON.stringify(before.config.store)) {
        log.warn("`store` changes only on restart: the running store stays");
      }
      // A renewed certificate takes effect for new connections.
      if (next.listen.tls !== null && before.config.listen.tls !== null) {
        (dataPlane.server as unknown as TlsServer).setSecureContext(readTls(next.listen.tls));
      }
      generations.swap(generation);
      await nextTurn();
      warnNeverMatching(next, log);
      if (!closing) {
        stopWatching();
        stopWatching = watchFilesOf(next);
      }
      metrics.reloads.labels("success").inc();
      log.info(
        { reason, generation: generation.id, policyRevision: generation.policy.revision },
        "config reloaded",
      );
      return { ok: true as const, generation: generation.id };
    } catch (err) {
      if (pools !== undefined) await closeUpstreams(pools);
      const problems = problemsOf(err);
      metrics.reloads.labels("failure").inc();
      log.error(
        { reason, problems, generation: before.id },
        "config reload failed; the running config stays in force",
      );
      return { ok: false as const, problems };
    }
  };
  const reload = (reason: string) => {
    const run = reloading.then(() => reloadNow(reason));
    reloading = run.catch(() => undefined);
    return run;
  };
  // The watched files are the running config's: a reload that names other files re-arms it.
  const watchFilesOf = (cfg: RuntimeConfig) =>
    cfg.reload.watch
      ? watchConfigFiles(
          watchTargets(cfg),
          cfg.reload.debounceMs,
          (what) => void reload(`file changed: ${what}`),
          (err) => log.warn({ err }, "cannot watch config files; reload with SIGHUP"),
        )
      : () => undefined;
  let stopWatching = watchFilesOf(config);

  let closed: Promise<void> | undefined;
  const close = async () => {
    closing = true;
    stopWatching();
    await reloading;
    const deadlineMs = generations.current().config.shutdown.deadlineMs;
    const cut = setTimeout(() => {
      log.warn(
        { inflight: generations.inflight(), deadlineMs },
        "shutdown deadline reached: cutting open calls",
      );
      dataPlane.server.closeAllConnections();
      // Realtime sessions get a close frame (1001) and a moment to answer it, then are cut.
      realtime.closeAll(1001, "the gateway is shutting down");
      setTimeout(() => realtime.terminateAll(), REALTIME_CLOSE_GRACE_MS).unref();
    }, deadlineMs);
    // Keep-alive connections that go idle after their last response are closed as they do, so
    // clients reconnect elsewhere instead of holding the listener open.
    const sweep = setInterval(() => dataPlane.server.closeIdleConnections(), 50);
    await dataPlane.close(); // stops accepting; resolves when in-flight requests are done
    clearInterval(sweep);
    clearTimeout(cut);
    await admin.close();
    await Promise.all(generations.all().map((g) => closeUpstreams(g.upstreams)));
    await simulator?.close();
    await store.close();
    await audit.close();
    auditLock?.release();
    log.info("gateway stopped");
  };

  return {
    url,
    adminUrl,
    get simulator() {
      return simulator;
    },
    metrics,
    log,
    current: () => generations.current(),
    reload,
    close() {
      closed ??= close();
      return closed;
    },
  };
}

/**
 * Loads the shipped purpose model when the config turns it on (`classification.purposeModel`),
 * at start-up and before a reload that turns it on; a config that keeps it off pays nothing.
 */
async function loadModelIfOn(config: RuntimeConfig, log: Logger): Promise<void> {
  if (!config.classification.purposeModel) return;
  const model = await ensurePurposeModel();
  if (model === undefined)
    log.warn("no purpose model in the package: purposes come from the rules alone");
}

/**
 * Logs each policy comparison with a value the gateway never produces (`capture == "Live"`): such a
 * policy validates and silently never matches, so the operator hears of it without running `check`.
 */
function warnNeverMatching(config: RuntimeConfig, log: Logger): void {
  const sources = loadPolicySources(config.policy.schema, [...config.policy.files], config.baseDir);
  for (const problem of vocabularyWarnings(sources)) {
    log.warn(
      { problem },
      "a policy compares with a value the gateway never produces: it never matches",
    );
  }
}
