/**
 * The upstream pools: one keep-alive undici Pool per configured upstream, with its credentials and
 * health (circuit breaker, cool-downs). Credentials are the gateway's own, never the tenant's.
 *
 * Health and Entra ID token caches live in an {@link UpstreamState} that outlives one config
 * generation: a reload that keeps an upstream (same name, endpoint and settings) keeps its open
 * breaker, its cool-downs and its token.
 */
import { Pool } from "undici";
import type { RuntimeConfig, RuntimeUpstream } from "../../config/index.js";
import {
  type CredentialFactory,
  entraIdCredentials,
  fixedCredentials,
  type UpstreamCredentials,
} from "./credentials.js";
import { azureCredential } from "./entra-id.js";
import { type Clock, UpstreamHealth, type UpstreamMetrics } from "./health.js";

/** A configured upstream with its connection pool and resolved origin. */
export interface LiveUpstream {
  config: RuntimeUpstream;
  /** The origin requests go to (the simulator's URL when `endpoint: simulator`). */
  origin: string;
  pool: Pool;
  /** Headers that authenticate the gateway to this upstream. */
  credentials: UpstreamCredentials;
  health: UpstreamHealth;
  /** Clock and randomness shared by every upstream (injectable in tests). */
  state: UpstreamState;
}

/** Injectable parts of the forwarder: clock, randomness, Entra ID credential, metrics. */
export interface UpstreamRuntimeOptions {
  /** Milliseconds; `Date.now` by default. Drives breakers, cool-downs and token expiry. */
  clock?: Clock;
  /** Uniform in [0, 1); `Math.random` by default. Drives the weighted choice. */
  random?: () => number;
  /** The Entra ID credential of an upstream; `@azure/identity` by default. */
  credential?: CredentialFactory;
  metrics?: UpstreamMetrics;
}

/** State kept across config generations, keyed by what identifies an upstream. */
export class UpstreamState {
  readonly clock: Clock;
  readonly random: () => number;
  readonly #credential: CredentialFactory;
  readonly #metrics: UpstreamMetrics | undefined;
  readonly #health = new Map<string, UpstreamHealth>();
  readonly #tokens = new Map<string, UpstreamCredentials>();

  constructor(options: UpstreamRuntimeOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.#credential =
      options.credential ??
      ((u) =>
        u.auth.type === "entra-id"
          ? azureCredential(u.auth.managedIdentityClientId, u.auth.authorityHost)
          : azureCredential(undefined));
    this.#metrics = options.metrics;
  }

  /** The health of `u`, the same object for as long as its name, endpoint and breaker hold. */
  health(u: RuntimeUpstream): UpstreamHealth {
    const key = `${u.name}\n${u.endpoint}\n${u.breaker.failures}\n${u.breaker.openMs}`;
    let health = this.#health.get(key);
    if (health === undefined) {
      for (const k of this.#health.keys()) if (k.startsWith(`${u.name}\n`)) this.#health.delete(k);
      health = new UpstreamHealth(u.name, u.breaker, this.clock, this.#metrics);
      this.#health.set(key, health);
    }
    return health;
  }

  /**
   * Told of each cool-down an upstream's `retry-after` asked for (upstream name, deployment, ms),
   * to share it with the other replicas of a fleet (store/cool-downs.ts); unset for one process.
   */
  onCoolDown: ((upstream: string, deployment: string, ms: number) => void) | undefined;

  /** Applies a cool-down another replica heard from Azure (never shortens a longer one). */
  applyCoolDown(upstream: string, deployment: string, ms: number): void {
    const now = this.clock();
    for (const [key, health] of this.#health) {
      if (key.startsWith(`${upstream}\n`)) health.coolDown(deployment, ms, now);
    }
  }

  /** The Entra ID credentials of `u`, shared while its name, scope, identity and authority hold. */
  entraId(u: RuntimeUpstream & { auth: { type: "entra-id" } }): UpstreamCredentials {
    const { scope, managedIdentityClientId, authorityHost } = u.auth;
    const key = `${u.name}\n${scope}\n${managedIdentityClientId ?? ""}\n${authorityHost ?? ""}`;
    let creds = this.#tokens.get(key);
    if (creds === undefined) {
      for (const k of this.#tokens.keys()) if (k.startsWith(`${u.name}\n`)) this.#tokens.delete(k);
      creds = entraIdCredentials(u.name, u.auth.scope, this.#credential(u), this.clock);
      this.#tokens.set(key, creds);
    }
    return creds;
  }
}

/** Options for building the pools. */
export interface UpstreamPoolOptions {
  /** Origin of the in-process simulator, for upstreams whose endpoint is `simulator`. */
  simulatorOrigin?: string;
  /** Api key the in-process simulator expects. */
  simulatorApiKey?: string;
  /** Health and tokens to carry across reloads; a fresh state when omitted. */
  state?: UpstreamState;
}

/** Builds one pool per upstream; closing them is the caller's job (`closeUpstreams`). */
export function openUpstreams(config: RuntimeConfig, opts: UpstreamPoolOptions): LiveUpstream[] {
  const state = opts.state ?? new UpstreamState();
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
    let credentials: UpstreamCredentials;
    if (u.auth.type === "api-key") {
      const apiKey =
        u.endpoint === "simulator" && u.auth.apiKey === ""
          ? (opts.simulatorApiKey ?? "")
          : u.auth.apiKey;
      credentials = fixedCredentials({ "api-key": apiKey });
    } else {
      credentials = state.entraId(u as RuntimeUpstream & { auth: { type: "entra-id" } });
    }
    return { config: u, origin, pool, credentials, health: state.health(u), state };
  });
}

/** Closes every pool, letting in-flight requests finish. */
export async function closeUpstreams(upstreams: readonly LiveUpstream[]): Promise<void> {
  await Promise.all(upstreams.map((u) => u.pool.close()));
}
