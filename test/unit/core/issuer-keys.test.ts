import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  discoverJwksUri,
  discoveryUrl,
  IssuerKeysUnavailable,
} from "../../../src/pipeline/identify-tenant/issuer-keys.js";

/** Discovery documents by path, served on a port from the OS; `null` answers 500. */
const docs = new Map<string, unknown>();
let origin = "";
const server = createServer((req, res) => {
  const doc = docs.get(req.url ?? "");
  if (doc === undefined) return void res.writeHead(404).end();
  if (doc === null) return void res.writeHead(500).end();
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("OIDC discovery of an issuer's keys", () => {
  it("places the document under the issuer, whatever its trailing slash", () => {
    expect(discoveryUrl("https://login.microsoftonline.us/t/v2.0/")).toBe(
      "https://login.microsoftonline.us/t/v2.0/.well-known/openid-configuration",
    );
  });

  it("reads jwks_uri from a document that names the same issuer", async () => {
    const issuer = `${origin}/good/v2.0`;
    docs.set("/good/v2.0/.well-known/openid-configuration", {
      issuer,
      jwks_uri: `${origin}/good/keys`,
    });
    await expect(discoverJwksUri(issuer)).resolves.toBe(`${origin}/good/keys`);
  });

  it.each([
    [
      "names another issuer",
      { issuer: "https://evil.example/v2.0", jwks_uri: "https://evil.example/k" },
      /another issuer/,
    ],
    ["has no jwks_uri", "SAME", /no `jwks_uri`/],
    ["is not served", undefined, /HTTP 404/],
    ["fails", null, /HTTP 500/],
  ])("refuses a document that %s", async (_name, doc, message) => {
    const name = Math.random().toString(36).slice(2);
    const issuer = `${origin}/${name}/v2.0`;
    if (doc !== undefined) {
      docs.set(`/${name}/v2.0/.well-known/openid-configuration`, doc === "SAME" ? { issuer } : doc);
    }
    const err = await discoverJwksUri(issuer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IssuerKeysUnavailable);
    expect((err as Error).message).toMatch(message);
  });
});
