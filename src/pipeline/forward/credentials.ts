/**
 * The headers that authenticate the gateway to an upstream. An api key is one frozen object,
 * handed out as is (no promise, no allocation per call); an Entra ID token comes from a
 * {@link TokenCache}, synchronously while it is fresh.
 */
import type { RuntimeUpstream } from "../../config/index.js";
import { GatewayHttpError } from "../../errors.js";
import { TokenCache, type TokenCredentialLike } from "./entra-id.js";

/** Where the credential headers of one upstream come from. */
export interface UpstreamCredentials {
  /** The headers now, when known without waiting. */
  current(): Readonly<Record<string, string>> | undefined;
  /** Obtains them (Entra ID); rejects with 502 `UpstreamAuthenticationFailed`. */
  fetch(): Promise<Readonly<Record<string, string>>>;
}

/** Fixed headers (api-key upstreams). */
export function fixedCredentials(headers: Readonly<Record<string, string>>): UpstreamCredentials {
  const frozen = Object.freeze({ ...headers });
  const promise = Promise.resolve(frozen);
  return { current: () => frozen, fetch: () => promise };
}

/** Bearer tokens from `credential` for `upstream.auth.scope`. */
export function entraIdCredentials(
  upstream: string,
  scope: string,
  credential: TokenCredentialLike,
  now?: () => number,
): UpstreamCredentials {
  const cache = new TokenCache(credential, scope, now);
  return {
    current: () => cache.current(),
    fetch: () =>
      cache.refresh().catch((err: unknown) => {
        throw upstreamAuthFailed(upstream, scope, err);
      }),
  };
}

/** The 502 answered when the gateway has no token for `upstream`. */
export function upstreamAuthFailed(
  upstream: string,
  scope: string,
  err: unknown,
): GatewayHttpError {
  const reason = err instanceof Error ? err.message : "unknown error";
  return new GatewayHttpError(
    "UpstreamAuthenticationFailed",
    `the gateway could not obtain an Entra ID token for upstream \`${upstream}\` (scope \`${scope}\`): ${reason}`,
    { cause: err },
  );
}

/** Which credential an Entra ID upstream uses (tests inject a fake one). */
export type CredentialFactory = (upstream: RuntimeUpstream) => TokenCredentialLike;
