/**
 * Tenant identification (docs/api.md): the gateway key from `api-key` or
 * `Authorization: Bearer`, hashed with SHA-256 and compared in constant time with every configured
 * hash. Pure: no Fastify.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RuntimeConfig, RuntimeTenant } from "../../config/index.js";
import { errors } from "../../errors.js";
import type { Agency } from "./agency.js";

type HeaderValue = string | string[] | undefined;

/** Returns the presented gateway key, or undefined when the request carries none. */
export function presentedKey(headers: Record<string, HeaderValue>): string | undefined {
  const apiKey = headers["api-key"];
  if (typeof apiKey === "string" && apiKey !== "") return apiKey;
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.length > 7 && auth.slice(0, 7).toLowerCase() === "bearer ") {
    const token = auth.slice(7).trim();
    if (token !== "") return token;
  }
  return undefined;
}

/** The `sha256:<hex>` form of a tenant key, as stored in the config. */
export function hashKey(key: string): string {
  return `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/**
 * Finds the tenant whose key hash equals the hash of `key`. Every configured hash is compared with
 * `timingSafeEqual`, without early exit, so timing reveals neither which key nor how much matched.
 */
export function findTenantByKey(config: RuntimeConfig, key: string): RuntimeTenant | undefined {
  const digest = createHash("sha256").update(key, "utf8").digest();
  let found: string | undefined;
  for (const entry of config.keys) {
    if (timingSafeEqual(entry.hash, digest) && found === undefined) found = entry.tenantId;
  }
  return found === undefined ? undefined : config.tenants.get(found);
}

/**
 * Resolves tenants from keys and remembers successful lookups, so a client's key is hashed once,
 * not on every request. Only known keys are remembered (an attacker cannot fill the cache), and the
 * cache is bounded. One instance lives per compiled config, so reloads drop it.
 */
export class TenantIdentifier {
  readonly #config: RuntimeConfig;
  readonly #known = new Map<string, RuntimeTenant>();
  readonly #max: number;

  constructor(config: RuntimeConfig, maxCachedKeys = 4096) {
    this.#config = config;
    this.#max = maxCachedKeys;
  }

  /** The tenant of a request, or a 401 `GatewayAuthenticationFailed`. */
  identify(headers: Record<string, HeaderValue>): RuntimeTenant {
    const key = presentedKey(headers);
    if (key === undefined) {
      if (this.#config.defaultTenant !== null) return this.#config.defaultTenant;
      throw errors.unauthenticated();
    }
    const cached = this.#known.get(key);
    if (cached !== undefined) return cached;
    const tenant = findTenantByKey(this.#config, key);
    if (tenant === undefined) throw errors.unauthenticated();
    if (this.#known.size >= this.#max) this.#known.clear();
    this.#known.set(key, tenant);
    return tenant;
  }
}

/**
 * The effective agency of a request: the tenant itself, or the customer named in
 * `x-gateway-on-behalf-of` (which must be one of the tenant's customers: 400 otherwise).
 */
export function effectiveAgency(tenant: RuntimeTenant, onBehalfOf: HeaderValue): Agency {
  if (onBehalfOf === undefined) return tenant.agency;
  const id = Array.isArray(onBehalfOf) ? onBehalfOf[0] : onBehalfOf;
  const customer = id === undefined ? undefined : tenant.customers.get(id.trim());
  if (customer === undefined) {
    throw errors.invalidHeader(
      "x-gateway-on-behalf-of",
      String(id),
      [...tenant.customers.keys()].length > 0
        ? [...tenant.customers.keys()]
        : ["(tenant has no customers)"],
    );
  }
  return customer;
}
