/**
 * The signing keys of trusted token issuers (docs/operations.md "Entra ID tenant auth"): the key
 * set's URI from the config or from the issuer's OIDC discovery document, then `jose`'s remote
 * key set, which caches the keys, refetches them when a token names a `kid` it does not hold (key
 * rotation) at most once per cooldown, and refreshes them after their maximum age. One registry
 * lives for the process, so a config reload keeps the keys already fetched.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey, errors as jose } from "jose";
import type { RuntimeTokenAuth, RuntimeTokenIssuer } from "../../config/index.js";

/** Longest wait for a discovery document or a key set. */
export const FETCH_TIMEOUT_MS = 5000;
/** Key sets kept at once (a config names a few issuers; reloads may name others). */
const MAX_SETS = 64;

/** The key set or discovery of an issuer could not be fetched or read. */
export class IssuerKeysUnavailable extends Error {
  override name = "IssuerKeysUnavailable";
}

/** `<issuer>/.well-known/openid-configuration`, as OpenID Connect Discovery 1.0 places it. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * The `jwks_uri` of an issuer's discovery document. The document must name the same issuer
 * (OpenID Connect Discovery 1.0, section 4.3), so a document cannot vouch for another issuer.
 */
export async function discoverJwksUri(issuer: string): Promise<string> {
  let doc: unknown;
  try {
    const res = await fetch(discoveryUrl(issuer), {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: "application/json" },
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = await res.json();
  } catch (err) {
    throw new IssuerKeysUnavailable(`OIDC discovery failed: ${(err as Error).message}`);
  }
  const { issuer: named, jwks_uri: uri } = (doc ?? {}) as Record<string, unknown>;
  if (named !== issuer) {
    throw new IssuerKeysUnavailable("the discovery document names another issuer");
  }
  if (typeof uri !== "string" || !/^https?:\/\//.test(uri)) {
    throw new IssuerKeysUnavailable("the discovery document has no `jwks_uri`");
  }
  return uri;
}

interface Discovery {
  uri: Promise<string>;
  /** When it failed; a failed discovery is retried after the cooldown. */
  failedAt?: number;
}

/** Remote key sets by issuer, shared across config generations. */
export class IssuerKeys {
  readonly #sets = new Map<string, JWTVerifyGetKey>();
  readonly #discoveries = new Map<string, Discovery>();

  /** The key resolver `jwtVerify` uses for tokens of `issuer`. */
  resolverFor(issuer: RuntimeTokenIssuer, auth: RuntimeTokenAuth): JWTVerifyGetKey {
    return async (header, token) => {
      const uri = issuer.jwksUri ?? (await this.#discover(issuer.issuer, auth.keysCooldownMs));
      try {
        return await this.#set(uri, auth)(header, token);
      } catch (err) {
        // A key set was read but holds no key for the token: the token's problem, not ours.
        if (err instanceof jose.JWKSNoMatchingKey || err instanceof jose.JWKSMultipleMatchingKeys) {
          throw err;
        }
        throw new IssuerKeysUnavailable(
          `the key set could not be fetched: ${(err as Error).message}`,
        );
      }
    };
  }

  #set(uri: string, auth: RuntimeTokenAuth): JWTVerifyGetKey {
    const key = `${uri}\n${auth.keysCooldownMs}\n${auth.keysMaxAgeMs}`;
    let set = this.#sets.get(key);
    if (set === undefined) {
      if (this.#sets.size >= MAX_SETS) this.#sets.clear();
      set = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: auth.keysCooldownMs,
        cacheMaxAge: auth.keysMaxAgeMs,
        timeoutDuration: FETCH_TIMEOUT_MS,
      });
      this.#sets.set(key, set);
    }
    return set;
  }

  #discover(issuer: string, cooldownMs: number): Promise<string> {
    const known = this.#discoveries.get(issuer);
    if (known !== undefined && (known.failedAt ?? Infinity) + cooldownMs > Date.now()) {
      return known.uri;
    }
    if (this.#discoveries.size >= MAX_SETS) this.#discoveries.clear();
    const discovery: Discovery = { uri: discoverJwksUri(issuer) };
    discovery.uri.catch(() => {
      discovery.failedAt = Date.now();
    });
    this.#discoveries.set(issuer, discovery);
    return discovery.uri;
  }
}

/** The process's registry: reloads keep the keys they fetched. */
export const sharedIssuerKeys = new IssuerKeys();
