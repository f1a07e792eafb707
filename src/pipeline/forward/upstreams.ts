/**
 * The upstream pools: one keep-alive undici Pool per configured upstream, and the choice of
 * upstream for a deployment. Credentials are the gateway's own, never the tenant's.
 */
import { Pool } from "undici";
import type { RuntimeConfig, RuntimeUpstream } from "../../config/index.js";

/** A configured upstream with its connection pool and resolved origin. */
export interface LiveUpstream {
  config: RuntimeUpstream;
  /** The origin requests go to (the simulator's URL when `endpoint: simulator`). */
  origin: string;
  pool: Pool;
  /** Headers that authenticate the gateway to this upstream. */
  credentials(): Record<string, string>;
}

/** Options for building the pools. */
export interface UpstreamPoolOptions {
  /** Origin of the in-process simulator, for upstreams whose endpoint is `simulator`. */
  simulatorOrigin?: string;
  /** Api key the in-process simulator expects. */
  simulatorApiKey?: string;
}

/** Builds one pool per upstream; closing them is the caller's job (`closeUpstreams`). */
export function openUpstreams(config: RuntimeConfig, opts: UpstreamPoolOptions): LiveUpstream[] {
  return config.upstreams.map((u) => {
    const origin = u.endpoint === "simulator" ? opts.simulatorOrigin : u.endpoint;
    if (origin === undefined)
      throw new Error(`upstream \`${u.name}\` needs the simulator, which is not running`);
    const pool = new Pool(origin, {
      connections: u.connections,
      connectTimeout: config.limits.connectTimeoutMs,
      headersTimeout: config.limits.upstreamTimeoutMs,
      bodyTimeout: config.limits.upstreamTimeoutMs,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
    const apiKey =
      u.auth.type === "api-key"
        ? u.endpoint === "simulator" && u.auth.apiKey === ""
          ? (opts.simulatorApiKey ?? "")
          : u.auth.apiKey
        : undefined;
    const headers = Object.freeze(apiKey === undefined ? {} : { "api-key": apiKey });
    return { config: u, origin, pool, credentials: () => headers };
  });
}

/**
 * The upstreams that may serve `deployment`, best first: those that list it or list nothing,
 * ordered by priority. (Weighted choice and failover come with the operations work.)
 */
export function upstreamsFor(
  upstreams: readonly LiveUpstream[],
  deployment: string | null,
): LiveUpstream[] {
  const fit = upstreams.filter(
    (u) =>
      u.config.deployments === null ||
      (deployment !== null && u.config.deployments.has(deployment)),
  );
  return fit.sort((a, b) => a.config.priority - b.config.priority);
}

/** Closes every pool, letting in-flight requests finish. */
export async function closeUpstreams(upstreams: readonly LiveUpstream[]): Promise<void> {
  await Promise.all(upstreams.map((u) => u.pool.close()));
}
