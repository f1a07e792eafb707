import { describe, expect, it } from "vitest";
import { entraIdCredentials } from "../../../src/pipeline/forward/credentials.js";
import {
  REFRESH_BEFORE_EXPIRY_MS,
  TokenCache,
  type TokenCredentialLike,
  TokenUnavailableError,
} from "../../../src/pipeline/forward/entra-id.js";

const HOUR = 3_600_000;

/** A credential whose tokens expire an hour after the fake clock's now, counting calls. */
function fakeCredential(clock: { now: number }) {
  const calls: string[] = [];
  let fail: Error | undefined;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const credential: TokenCredentialLike = {
    async getToken(scopes) {
      calls.push(String(scopes));
      if (gate) await gate;
      if (fail) throw fail;
      return { token: `token-${calls.length}`, expiresOnTimestamp: clock.now + HOUR };
    },
  };
  return {
    credential,
    calls,
    failWith: (e: Error | undefined) => {
      fail = e;
    },
    hold: () => {
      gate = new Promise((r) => {
        release = r;
      });
    },
    release: () => {
      gate = undefined;
      release?.();
    },
  };
}

describe("TokenCache", () => {
  it("caches the token and hands it out synchronously until the refresh point", async () => {
    const clock = { now: 1_000_000 };
    const fake = fakeCredential(clock);
    const cache = new TokenCache(fake.credential, "scope/.default", () => clock.now);
    expect(cache.current()).toBeUndefined();
    expect(await cache.refresh()).toEqual({ authorization: "Bearer token-1" });
    clock.now += HOUR - REFRESH_BEFORE_EXPIRY_MS - 1;
    expect(cache.current()).toEqual({ authorization: "Bearer token-1" });
    expect(fake.calls).toEqual(["scope/.default"]);
  });

  it("refreshes in the background 5 minutes before expiry, keeping the old token meanwhile", async () => {
    const clock = { now: 0 };
    const fake = fakeCredential(clock);
    const cache = new TokenCache(fake.credential, "s", () => clock.now);
    await cache.refresh();
    clock.now = HOUR - REFRESH_BEFORE_EXPIRY_MS;
    expect(cache.current()).toEqual({ authorization: "Bearer token-1" }); // starts the refresh
    expect(cache.current()).toEqual({ authorization: "Bearer token-1" }); // joins it
    await new Promise((r) => setImmediate(r));
    expect(cache.current()).toEqual({ authorization: "Bearer token-2" });
    expect(fake.calls).toHaveLength(2);
  });

  it("refreshes at refreshAfterTimestamp when the credential gives one", async () => {
    const clock = { now: 0 };
    let n = 0;
    const cache = new TokenCache(
      {
        getToken: async () => ({
          token: `t${++n}`,
          expiresOnTimestamp: clock.now + HOUR,
          refreshAfterTimestamp: clock.now + HOUR / 2,
        }),
      },
      "s",
      () => clock.now,
    );
    await cache.refresh();
    clock.now = HOUR / 2 - 1;
    cache.current();
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(1);
    clock.now = HOUR / 2;
    cache.current();
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(2);
  });

  it("waits for a new token once the old one is too close to expiry", async () => {
    const clock = { now: 0 };
    const fake = fakeCredential(clock);
    const cache = new TokenCache(fake.credential, "s", () => clock.now);
    await cache.refresh();
    clock.now = HOUR - 10_000; // within the 30 s expiry margin
    expect(cache.current()).toBeUndefined();
    expect(await cache.refresh()).toEqual({ authorization: "Bearer token-2" });
  });

  it("shares one getToken among concurrent callers", async () => {
    const clock = { now: 0 };
    const fake = fakeCredential(clock);
    fake.hold();
    const cache = new TokenCache(fake.credential, "s", () => clock.now);
    const all = Promise.all(Array.from({ length: 20 }, () => cache.refresh()));
    fake.release();
    const results = await all;
    expect(new Set(results.map((r) => r.authorization))).toEqual(new Set(["Bearer token-1"]));
    expect(fake.calls).toHaveLength(1);
  });

  it("rejects with a safe one-line reason, caches nothing, and retries on the next call", async () => {
    const clock = { now: 0 };
    const fake = fakeCredential(clock);
    fake.failWith(
      new Error("ManagedIdentityCredential: no identity endpoint\nsee https://aka.ms/x"),
    );
    const cache = new TokenCache(fake.credential, "s", () => clock.now);
    const err = await cache.refresh().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenUnavailableError);
    expect((err as Error).message).toBe("Error: ManagedIdentityCredential: no identity endpoint");
    expect(cache.current()).toBeUndefined();
    fake.failWith(undefined);
    expect(await cache.refresh()).toEqual({ authorization: "Bearer token-2" });
  });

  it("treats a null token as a failure", async () => {
    const cache = new TokenCache({ getToken: async () => null }, "s");
    await expect(cache.refresh()).rejects.toThrow("the credential returned no token");
  });
});

describe("entraIdCredentials", () => {
  it("maps a failure to 502 UpstreamAuthenticationFailed naming upstream and scope", async () => {
    const creds = entraIdCredentials("primary", "https://cognitiveservices.azure.com/.default", {
      getToken: async () => {
        throw new Error("boom");
      },
    });
    const err = await creds.fetch().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UpstreamAuthenticationFailed", statusCode: 502 });
    expect((err as Error).message).toContain("`primary`");
    expect((err as Error).message).toContain("https://cognitiveservices.azure.com/.default");
  });
});
