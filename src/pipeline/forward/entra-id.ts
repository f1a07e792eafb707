/**
 * Entra ID tokens for upstreams with `auth: {type: entra-id}`: one token per upstream, cached and
 * refreshed ahead of expiry, at most one refresh in flight (concurrent requests share it).
 *
 * Timing: a token is used until 30 s before it expires. A refresh starts at its
 * `refreshAfterTimestamp` when the credential gives one (MSAL does, for managed identities), else
 * 5 minutes before expiry, but never before half its lifetime (short-lived tokens would otherwise
 * refresh on every call). Until the token is unusable, refreshing happens in the background and
 * requests keep the current token; after that, requests wait for the refresh, and a failed refresh
 * answers 502 `UpstreamAuthenticationFailed`. Nothing is cached after a failure: the next request
 * asks the credential again.
 */

/** The slice of `@azure/identity`'s `TokenCredential` the gateway uses (injectable in tests). */
export interface TokenCredentialLike {
  getToken(
    scopes: string | string[],
  ): Promise<{ token: string; expiresOnTimestamp: number; refreshAfterTimestamp?: number } | null>;
}

/** Start refreshing this long before expiry when the credential does not say when. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
/** Stop using a token this long before it expires (clock skew, time in flight). */
export const EXPIRY_MARGIN_MS = 30_000;
/** After a failed background refresh, wait this long before the next one. */
const BACKGROUND_RETRY_MS = 5_000;

/** A failure to obtain a token; its message is safe to show (no secret in it). */
export class TokenUnavailableError extends Error {
  override name = "TokenUnavailableError";
}

interface Cached {
  headers: Readonly<Record<string, string>>;
  /** Usable until then. */
  usableUntil: number;
  /** Refresh in the background from then on. */
  refreshAt: number;
}

/** Caches one scope's token from one credential. */
export class TokenCache {
  #cached: Cached | undefined;
  #inFlight: Promise<Readonly<Record<string, string>>> | undefined;

  constructor(
    private readonly credential: TokenCredentialLike,
    readonly scope: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The headers to send when a usable token is cached (starting a background refresh when it is
   * due), else undefined: then call {@link refresh}. Synchronous, so the common case costs no
   * promise.
   */
  current(): Readonly<Record<string, string>> | undefined {
    const cached = this.#cached;
    if (cached === undefined) return undefined;
    const now = this.now();
    if (now >= cached.usableUntil) return undefined;
    if (now >= cached.refreshAt && this.#inFlight === undefined) {
      this.refresh().catch(() => {
        // keep the current token; try again a little later, not on every request
        if (this.#cached === cached) cached.refreshAt = this.now() + BACKGROUND_RETRY_MS;
      });
    }
    return cached.headers;
  }

  /** Asks the credential for a token (or joins the request already in flight). */
  refresh(): Promise<Readonly<Record<string, string>>> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<Readonly<Record<string, string>>> {
    let token: Awaited<ReturnType<TokenCredentialLike["getToken"]>>;
    try {
      token = await this.credential.getToken(this.scope);
    } catch (err) {
      throw new TokenUnavailableError(describe(err), { cause: err });
    }
    if (token === null || token.token === "") {
      throw new TokenUnavailableError("the credential returned no token");
    }
    const obtained = this.now();
    const expires = token.expiresOnTimestamp;
    const halfLife = obtained + (expires - obtained) / 2;
    const refreshAt = Math.max(
      token.refreshAfterTimestamp ?? expires - REFRESH_BEFORE_EXPIRY_MS,
      halfLife,
    );
    const headers = Object.freeze({ authorization: `Bearer ${token.token}` });
    this.#cached = {
      headers,
      usableUntil: Math.max(expires - EXPIRY_MARGIN_MS, halfLife),
      refreshAt: Math.min(refreshAt, expires - EXPIRY_MARGIN_MS),
    };
    return headers;
  }
}

/**
 * A one-line reason for a failed `getToken`, naming the error class but not echoing arbitrary
 * text: `@azure/identity` messages can be long (troubleshooting links) but carry no secret; they
 * are cut to their first line.
 */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return "the credential failed";
  const line = err.message.split("\n", 1)[0]?.trim() ?? "";
  const text = line.length > 200 ? `${line.slice(0, 200)}…` : line;
  return text === "" ? err.name : `${err.name}: ${text}`;
}

/**
 * The credential of an upstream: a user-assigned managed identity when its client id is given,
 * else `DefaultAzureCredential` (environment, workload identity, managed identity, Azure CLI...),
 * both with the cloud's Entra authority when one is given: in a sovereign cloud
 * (`https://login.microsoftonline.us`) a service principal asked of the public cloud's authority
 * would get no token. `@azure/identity` is loaded on the first token request, so gateways that
 * use api keys only never load it.
 */
export function azureCredential(
  managedIdentityClientId: string | undefined,
  authorityHost?: string,
): TokenCredentialLike {
  let credential: Promise<TokenCredentialLike> | undefined;
  const authority = authorityHost === undefined ? {} : { authorityHost };
  return {
    async getToken(scopes) {
      credential ??= import("@azure/identity").then((identity) =>
        managedIdentityClientId === undefined
          ? new identity.DefaultAzureCredential(authority)
          : new identity.ManagedIdentityCredential({
              clientId: managedIdentityClientId,
              ...authority,
            }),
      );
      return (await credential).getToken(scopes);
    },
  };
}
