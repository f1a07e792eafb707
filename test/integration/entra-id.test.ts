/**
 * Entra ID upstream auth with an injected fake credential: the token goes upstream as
 * `Authorization: Bearer` (and no `api-key`), is cached, refreshed ahead of expiry, fetched once
 * for concurrent requests, and a failure is a 502 the next request recovers from.
 * The simulator accepts its api key as a bearer token, so the fake credential returns it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeUpstream } from "../../src/config/index.js";
import type { TokenCredentialLike } from "../../src/pipeline/forward/entra-id.js";
import { type RunningGateway, startGateway } from "../../src/runtime/gateway.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { AuditCapture, KEYS, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";

const HOUR = 3_600_000;
let sim: RunningSimulator;
let gw: RunningGateway | undefined;
let audit: AuditCapture;
let now = 5_000_000;

/** A fake credential: counts calls, can fail, can be held to test concurrency. */
class FakeCredential implements TokenCredentialLike {
  scopes: string[] = [];
  fail = false;
  gate: Promise<void> | undefined;
  forUpstream: string[] = [];
  async getToken(scopes: string | string[]) {
    this.scopes.push(String(scopes));
    if (this.gate) await this.gate;
    if (this.fail) throw new Error("ManagedIdentityCredential: no managed identity endpoint found");
    return { token: UPSTREAM_KEY, expiresOnTimestamp: now + HOUR };
  }
}
let credential: FakeCredential;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY, faults: true, chunkDelayMs: 5 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  sim.clearRequests();
});

async function start(auth = "{ type: entra-id }"): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gw-entra-"));
  const configFile = join(dir, "gateway.yaml");
  const upstreams = `  - name: azure\n    endpoint: ${sim.url}\n    auth: ${auth}`;
  writeFileSync(configFile, testConfigYaml(sim.url, { upstreams }));
  audit = new AuditCapture();
  credential = new FakeCredential();
  gw = await startGateway({
    configFile,
    auditStream: audit,
    logStream: new Writable({ write: (_c, _e, cb) => cb() }),
    upstreams: {
      clock: () => now,
      credential: (u: RuntimeUpstream) => {
        credential.forUpstream.push(u.name);
        return credential;
      },
    },
  });
}

const embeddings = () =>
  fetch(`${gw!.url}/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEYS.newsroom}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ input: "hello" }),
  });

describe("Entra ID upstream auth", () => {
  it("sends the token as a bearer header, never an api-key, with Azure's default scope", async () => {
    await start();
    const res = await embeddings();
    expect(res.status).toBe(200);
    const [seen] = sim.requests();
    expect(seen!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen!.headers["api-key"]).toBeUndefined();
    expect(credential.scopes).toEqual(["https://cognitiveservices.azure.com/.default"]);
    expect(credential.forUpstream).toEqual(["azure"]);
  });

  it("uses the configured scope", async () => {
    await start("{ type: entra-id, scope: 'api://custom/.default' }");
    expect((await embeddings()).status).toBe(200);
    expect(credential.scopes).toEqual(["api://custom/.default"]);
  });

  it("caches the token across requests and refreshes it ahead of expiry", async () => {
    await start();
    for (let i = 0; i < 3; i++) expect((await embeddings()).status).toBe(200);
    expect(credential.scopes).toHaveLength(1);

    now += HOUR - 4 * 60_000; // inside the 5-minute refresh window, still valid
    expect((await embeddings()).status).toBe(200); // served with the cached token...
    await new Promise((r) => setImmediate(r));
    expect(credential.scopes).toHaveLength(2); // ...while one refresh ran in the background
    expect((await embeddings()).status).toBe(200);
    expect(credential.scopes).toHaveLength(2);
  });

  it("asks the credential once for concurrent requests", async () => {
    await start();
    let open!: () => void;
    credential.gate = new Promise((r) => {
      open = r;
    });
    const all = Array.from({ length: 10 }, () => embeddings());
    await new Promise((r) => setTimeout(r, 100));
    open();
    const results = await Promise.all(all);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(credential.scopes).toHaveLength(1);
  });

  it("answers 502 UpstreamAuthenticationFailed when there is no token, audits it, and recovers", async () => {
    await start();
    credential.fail = true;
    const res = await embeddings();
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("UpstreamAuthenticationFailed");
    expect(body.error.message).toContain("upstream `azure`");
    expect(body.error.message).toContain("no managed identity endpoint found");
    expect(body.error.message).not.toContain(KEYS.newsroom);
    expect(sim.requests()).toHaveLength(0);
    const record = await audit.waitFor(
      (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({
      status: 502,
      error: "UpstreamAuthenticationFailed",
      upstream: "azure",
    });
    expect(record.attempts).toMatchObject([
      { upstream: "azure", error: "UpstreamAuthenticationFailed" },
    ]);

    credential.fail = false;
    expect((await embeddings()).status).toBe(200);
    expect(credential.scopes).toHaveLength(2);
  });
});
