/**
 * Tenant identification (docs/api.md): the gateway key from `api-key` or
 * `Authorization: Bearer`, hashed with SHA-256 and compared in constant time with every configured
 * hash (tenant keys and customer-scoped keys); or, when `tokenAuth` is configured, an Entra ID /
 * OIDC access token in `Authorization: Bearer`, verified (token.ts) and mapped by its app id.
 * Pure: no Fastify.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RuntimeConfig, RuntimeKey, RuntimeTenant } from "../../config/index.js";
import { errors } from "../../errors.js";
import type { Agency } from "./agency.js";
import { type IssuerKeys, sharedIssuerKeys } from "./issuer-keys.js";
import { looksLikeJwt, TokenRejected, verifyAccessToken } from "./token.js";

type HeaderValue = string | string[] | undefined;

/** Who authenticated: the tenant, the customer its key is scoped to, and which key it was. */
export interface Identity {
  tenant: RuntimeTenant;
  /** Set when the key is scoped to one of the tenant's customers (`customers[].keys`). */
  customer?: Agency;
  /** The audit's id of the key (docs/audit.md); absent for `defaultTenant` calls without a key. */
  keyId?: string;
}

const BEARER = "bearer ";

function bearerToken(value: string): string | undefined {
  if (value.length <= BEARER.length || value.slice(0, BEARER.length).toLowerCase() !== BEARER) {
    return undefined;
  }
  const token = value.slice(BEARER.length).trim();
  return token === "" ? undefined : token;
}

const asList = (v: HeaderValue): readonly string[] =>
  v === undefined ? [] : typeof v === "string" ? [v] : v;

/**
 * Returns the presented gateway key, or undefined when the request carries none. Every `api-key`
 * value and every `Authorization: Bearer` token is a credential; when they differ the request is
 * refused with a 401 rather than resolved by precedence, so a client (or a proxy adding its own
 * header) can never be identified by a key it did not mean to use. The same key twice is one key.
 */
export function presentedKey(headers: Record<string, HeaderValue>): string | undefined {
  return presentedCredential(headers)?.value;
}

/** The one credential of a request, and whether it came as `Authorization: Bearer`. */
export interface PresentedCredential {
  value: string;
  bearer: boolean;
}

/** {@link presentedKey}, also saying whether the credential was a bearer (tokens come only so). */
export function presentedCredential(
  headers: Record<string, HeaderValue>,
): PresentedCredential | undefined {
  let key: string | undefined;
  let bearer = false;
  let conflict = false;
  const add = (candidate: string | undefined, asBearer: boolean) => {
    if (candidate === undefined || candidate === "") return;
    if (key === undefined) key = candidate;
    else if (key !== candidate) conflict = true;
    bearer ||= asBearer;
  };
  for (const v of asList(headers["api-key"])) add(v, false);
  for (const v of asList(headers.authorization)) add(bearerToken(v), true);
  if (conflict) throw errors.conflictingCredentials();
  return key === undefined ? undefined : { value: key, bearer };
}

/**
 * The credential headers exactly as sent, from Node's `rawHeaders`: Node joins a repeated
 * `api-key` into one `a, b` string and keeps only the first of two `Authorization` headers, so the
 * parsed headers cannot show that a request carried two credentials.
 */
export function credentialHeaders(rawHeaders: readonly string[]): {
  "api-key"?: string[];
  authorization?: string[];
} {
  const out: { "api-key"?: string[]; authorization?: string[] } = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 7 && name.length !== 13) continue;
    const lower = name.toLowerCase();
    if (lower === "api-key" || lower === "authorization") {
      const values = out[lower] ?? [];
      values.push(rawHeaders[i + 1]!);
      out[lower] = values;
    }
  }
  return out;
}

/** The `sha256:<hex>` form of a tenant key, as stored in the config. */
export function hashKey(key: string): string {
  return `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/**
 * Finds the configured key whose hash equals the hash of `key`. Every configured hash is compared
 * with `timingSafeEqual`, without early exit, so timing reveals neither which key nor how much
 * matched.
 */
export function findKey(config: RuntimeConfig, key: string): RuntimeKey | undefined {
  const digest = createHash("sha256").update(key, "utf8").digest();
  let found: RuntimeKey | undefined;
  for (const entry of config.keys) {
    if (timingSafeEqual(entry.hash, digest) && found === undefined) found = entry;
  }
  return found;
}

/** The identity a configured key stands for (its tenant, and its customer when scoped to one). */
export function identityOfKey(config: RuntimeConfig, entry: RuntimeKey): Identity | undefined {
  const tenant = config.tenants.get(entry.tenantId);
  if (tenant === undefined) return undefined;
  if (entry.customerId === undefined) return { tenant, keyId: entry.keyId };
  const customer = tenant.customers.get(entry.customerId);
  return customer === undefined ? undefined : { tenant, customer, keyId: entry.keyId };
}

/** The audit's `keyId` of a call authenticated by an app's token: `app:<app id>`. */
export const appKeyId = (appId: string): string => `app:${appId}`;

/** The identity an app's verified token stands for, or undefined for an app no agency lists. */
export function identityOfApp(config: RuntimeConfig, appId: string): Identity | undefined {
  const owner = config.apps.get(appId.toLowerCase());
  if (owner === undefined) return undefined;
  const tenant = config.tenants.get(owner.tenantId);
  if (tenant === undefined) return undefined;
  const keyId = appKeyId(appId.toLowerCase());
  if (owner.customerId === undefined) return { tenant, keyId };
  const customer = tenant.customers.get(owner.customerId);
  return customer === undefined ? undefined : { tenant, customer, keyId };
}

/**
 * Resolves identities from keys and remembers successful lookups, so a client's key is hashed once,
 * not on every request. Only known keys are remembered (an attacker cannot fill the cache), and the
 * cache is bounded. One instance lives per compiled config, so reloads drop it.
 */
export class TenantIdentifier {
  readonly #config: RuntimeConfig;
  readonly #known = new Map<string, Identity>();
  readonly #max: number;
  readonly #default: Identity | undefined;
  readonly #issuerKeys: IssuerKeys;

  constructor(config: RuntimeConfig, maxCachedKeys = 4096, issuerKeys = sharedIssuerKeys) {
    this.#config = config;
    this.#issuerKeys = issuerKeys;
    this.#max = maxCachedKeys;
    this.#default =
      config.defaultTenant === null ? undefined : Object.freeze({ tenant: config.defaultTenant });
  }

  /**
   * The identity of a request: {@link identify} for keys, and, when `tokenAuth` is configured, a
   * bearer JWT verified and mapped by its app id. Synchronous for keys; a promise only for a
   * token (its issuer's keys may need fetching), so key-based calls cost no promise.
   */
  authenticate(headers: Record<string, HeaderValue>): Identity | Promise<Identity> {
    const auth = this.#config.tokenAuth;
    if (auth !== null) {
      const presented = presentedCredential(headers);
      if (presented?.bearer === true && looksLikeJwt(presented.value)) {
        return this.#identifyToken(presented.value, auth);
      }
    }
    return this.identify(headers);
  }

  /**
   * The identity of a request by its key, or a 401 `GatewayAuthenticationFailed` (no key without
   * a default tenant, an unknown key, or two different keys).
   */
  identify(headers: Record<string, HeaderValue>): Identity {
    const key = presentedKey(headers);
    if (key === undefined) {
      if (this.#default !== undefined) return this.#default;
      throw errors.unauthenticated();
    }
    const cached = this.#known.get(key);
    if (cached !== undefined) return cached;
    const entry = findKey(this.#config, key);
    const identity = entry === undefined ? undefined : identityOfKey(this.#config, entry);
    if (identity === undefined) throw errors.unauthenticated();
    if (this.#known.size >= this.#max) this.#known.clear();
    this.#known.set(key, Object.freeze(identity));
    return identity;
  }

  async #identifyToken(
    token: string,
    auth: NonNullable<RuntimeConfig["tokenAuth"]>,
  ): Promise<Identity> {
    try {
      const { appId } = await verifyAccessToken(token, auth, this.#issuerKeys);
      const identity = identityOfApp(this.#config, appId);
      if (identity === undefined) {
        throw new TokenRejected(`unknown app: application \`${appId}\` is not mapped to a tenant`);
      }
      return identity;
    } catch (err) {
      if (err instanceof TokenRejected) throw errors.tokenRejected(err.reason, err);
      throw err;
    }
  }
}
