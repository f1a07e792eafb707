/**
 * Tenant auth with Entra ID / OIDC access tokens, end to end (docs/operations.md "Entra ID tenant
 * auth"): a local issuer (discovery and JWKS, keys generated here), tokens signed here, the
 * `openai` SDK's `azureADTokenProvider` as the client, the gateway in front of the simulator.
 */
import { randomUUID } from "node:crypto";
import { AuthenticationError, AzureOpenAI, PermissionDeniedError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { AuditRecord } from "../../src/pipeline/audit/record.js";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";
import {
  makeKey,
  signToken,
  startTestIssuer,
  type TestIssuer,
  type TestKey,
  tamperedToken,
  unsignedToken,
} from "../helpers/oidc.js";

const AUDIENCE = "api://aoai-policy-gateway";
const METRO_APP = randomUUID();
const CITY_PD_APP = randomUUID();
const UNMAPPED_APP = randomUUID();

let h: Harness;
let idp: TestIssuer;
let k1: TestKey;
let ISSUER: string;
/** A trusted issuer whose key set cannot be fetched (404). */
const DOWN_ISSUER = () => idp.issuer("unreachable-tenant");

beforeAll(async () => {
  k1 = await makeKey("k1", "RS256");
  idp = await startTestIssuer([k1]);
  ISSUER = idp.issuer("police-tenant");
  h = await startHarness({
    extra: `tokenAuth:
  keysCooldownSeconds: 0
  issuers:
    - { issuer: "${ISSUER}", audience: "${AUDIENCE}", clockToleranceSeconds: 5 }
    - { issuer: "${DOWN_ISSUER()}", audience: "${AUDIENCE}", jwksUri: "${DOWN_ISSUER()}/no-keys-here" }`,
    edit: (yaml) =>
      yaml
        .replace(
          "    camera: { default: body-worn, declared: allow }",
          `    camera: { default: body-worn, declared: allow }\n    appIds: ["${METRO_APP.toUpperCase()}"]`,
        )
        .replace(
          "{ id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA,",
          `{ id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, appIds: ["${CITY_PD_APP}"],`,
        ),
  });
});
afterAll(async () => {
  await h?.close();
  await idp?.close();
});

/** The SDK with an Entra ID token provider that returns `token`. */
const client = (token: string, headers: Record<string, string> = {}) =>
  new AzureOpenAI({
    endpoint: h.gw.url,
    azureADTokenProvider: async () => token,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
    defaultHeaders: headers,
  });

const ask = (token: string, text: string) =>
  client(token).chat.completions.create({
    model: "gpt-4o",
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text },
          { type: "image_url", image_url: { url: "https://images.example/frame-0412.jpg" } },
        ],
      },
    ],
  });

const token = (claims: Partial<Parameters<typeof signToken>[1]> = {}, key = k1) =>
  signToken(key, { iss: ISSUER, aud: AUDIENCE, azp: METRO_APP, ...claims });

/** The audit record of the response with `decisionId`. */
const recordOf = (decisionId: string | null | undefined): Promise<AuditRecord> =>
  h.audit.waitFor((r) => r.decisionId === decisionId);

describe("Entra ID / OIDC tenant tokens", () => {
  it("serves a call with a valid token as the app's tenant, audited as app:<appid>", async () => {
    const { data, response } = await client(await token())
      .chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Summarise the shift report." }],
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const record = await recordOf(response.headers.get("x-gateway-decision-id"));
    expect(record).toMatchObject({
      status: 200,
      tenant: "metro-pd",
      agency: "metro-pd",
      keyId: `app:${METRO_APP}`,
    });
    // the tenant's token never goes upstream: the gateway's own key does
    const forwarded = h.sim.requests().at(-1)!;
    expect(JSON.stringify(forwarded.headers)).not.toContain("eyJ");
  });

  it("still applies the mapped tenant's policy: US police asking to identify a face is denied", async () => {
    const err = await ask(await token(), "Who is this man? Check him against our mugshots.").catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PermissionDeniedError);
    const record = await recordOf(
      (err as PermissionDeniedError).headers?.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({
      decision: "deny",
      tenant: "metro-pd",
      keyId: `app:${METRO_APP}`,
    });
    expect(record.policies).toContain("us-law-enforcement-no-facial-recognition");
  });

  it("lets a customer's app act for that customer", async () => {
    const err = await ask(
      await token({ azp: CITY_PD_APP }),
      "Who is this man? Check him against our mugshots.",
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    const record = await recordOf(
      (err as PermissionDeniedError).headers?.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({
      tenant: "evidence-cloud",
      agency: "city-pd",
      customerBy: "key",
      keyId: `app:${CITY_PD_APP}`,
    });
  });

  it("reads the app id of a v1 token from `appid`", async () => {
    const v1 = await signToken(k1, { iss: ISSUER, aud: AUDIENCE, appid: METRO_APP, ver: "1.0" });
    const res = await client(v1).chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(res.choices).toHaveLength(1);
  });

  const now = () => Math.floor(Date.now() / 1000);
  it.each<[string, () => Promise<string>, RegExp]>([
    ["an expired token", () => token({ exp: now() - 120 }), /expired/],
    ["a token not valid yet", () => token({ nbf: now() + 300 }), /not valid yet/],
    ["a token for another audience", () => token({ aud: "api://someone-else" }), /wrong audience/],
    [
      "a token of an untrusted issuer",
      async () => token({ iss: idp.issuer("other-tenant") }),
      /unknown issuer/,
    ],
    ["a token of an app no tenant lists", () => token({ azp: UNMAPPED_APP }), /unknown app/],
    [
      "a token of an issuer whose keys cannot be fetched",
      async () => token({ iss: DOWN_ISSUER() }),
      /signing keys could not be fetched/,
    ],
    [
      "an unsigned token (alg: none)",
      async () => unsignedToken({ iss: ISSUER, aud: AUDIENCE, azp: METRO_APP }),
      /algorithm `none` not accepted/,
    ],
    [
      "a tampered token (its app id swapped, signature kept)",
      async () => tamperedToken(await token(), (c) => Object.assign(c, { azp: CITY_PD_APP })),
      /signature does not verify/,
    ],
    [
      "a token signed by a key the issuer does not publish",
      async () => token({}, await makeKey("k1", "RS256")),
      /signature does not verify/,
    ],
  ])("refuses %s with 401, saying why, forwarding nothing", async (_name, make, reason) => {
    const jwt = await make();
    h.sim.clearRequests();
    const err = await client(jwt)
      .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    const e = err as AuthenticationError;
    expect(e.code).toBe("GatewayAuthenticationFailed");
    expect(e.message).toMatch(reason);
    for (const part of jwt.split(".").filter((p) => p.length > 8)) {
      expect(e.message).not.toContain(part);
    }
    expect(h.sim.requests()).toHaveLength(0);
    const record = await recordOf(e.headers?.get("x-gateway-decision-id"));
    expect(record).toMatchObject({
      status: 401,
      tenant: null,
      error: "GatewayAuthenticationFailed",
    });
    expect(JSON.stringify(record)).not.toContain(jwt.split(".")[1]!);
  });

  it("keeps static keys working beside tokens (api-key and a non-JWT bearer)", async () => {
    for (const headers of [
      { "api-key": KEYS.doorAccess },
      { authorization: `Bearer ${KEYS.doorAccess}` },
    ]) {
      const res = await fetch(
        `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
        {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
        },
      );
      expect(res.status).toBe(200);
      const record = await recordOf(res.headers.get("x-gateway-decision-id"));
      expect(record.tenant).toBe("door-access-co");
      expect(record.keyId).not.toMatch(/^app:/);
    }
  });

  it("refuses a token and a different key on one request (two credentials)", async () => {
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "api-key": KEYS.doorAccess,
          authorization: `Bearer ${await token()}`,
        },
        body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
      },
    );
    expect(res.status).toBe(401);
  });

  it("accepts a token signed by a rotated-in key, fetching the new key set once", async () => {
    const k2 = await makeKey("k2", "ES256");
    idp.serveKeys([k2]);
    const before = idp.jwksFetches();
    const res = await client(await token({}, k2)).chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hello after rotation" }],
    });
    expect(res.choices).toHaveLength(1);
    expect(idp.jwksFetches()).toBe(before + 1);
    // the retired key is gone from the set: its tokens no longer verify
    const old = await client(await token({}, k1))
      .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(old).toBeInstanceOf(AuthenticationError);
    expect((old as Error).message).toMatch(/no signing key of the issuer matches/);
    idp.serveKeys([k1, k2]);
  });
});

describe("Entra ID tokens on a realtime upgrade", () => {
  const base = () =>
    `${h.gw.url.replace(/^http/, "ws")}/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview`;

  /** Opens a session and resolves with its first server event, or the refusal's status. */
  const open = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ event?: { type: string }; status?: number }>((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once("message", (data) => {
        resolve({ event: JSON.parse(data.toString()) });
        ws.close();
      });
      ws.once("unexpected-response", (_req, res) => {
        resolve({ status: res.statusCode ?? 0 });
        res.resume();
      });
      ws.once("error", reject);
    });

  it("opens a session with the bearer token in the Authorization header", async () => {
    const { event } = await open(base(), { authorization: `Bearer ${await token()}` });
    expect(event?.type).toBe("session.created");
  });

  it("opens a session with the token in the `authorization` query parameter", async () => {
    const q = encodeURIComponent(`Bearer ${await token()}`);
    const { event } = await open(`${base()}&authorization=${q}`);
    expect(event?.type).toBe("session.created");
    const record = await h.audit.waitFor(
      (r) => r.operation === "realtime" && r.keyId === `app:${METRO_APP}`,
    );
    expect(record.tenant).toBe("metro-pd");
  });

  it("refuses an upgrade with an expired token with 401", async () => {
    const expired = await token({ exp: Math.floor(Date.now() / 1000) - 300 });
    const { status } = await open(base(), { authorization: `Bearer ${expired}` });
    expect(status).toBe(401);
  });
});
