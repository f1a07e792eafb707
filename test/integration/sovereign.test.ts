/**
 * Azure Government (docs/operations.md "Sovereign clouds (Azure Government)"), against the
 * simulator: the upstream's Entra credential gets the Government authority and asks for the
 * Government scope, and tenants' tokens from a `login.microsoftonline.us` issuer (keys from its
 * configured `jwksUri`, served locally) are accepted. The simulator takes its api key as a bearer.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeUpstream } from "../../src/config/index.js";
import { type RunningGateway, startGateway } from "../../src/runtime/gateway.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { AuditCapture, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";
import {
  makeKey,
  signToken,
  startTestIssuer,
  type TestIssuer,
  type TestKey,
} from "../helpers/oidc.js";

const GOV_TENANT = "7a3c1f0e-5b2d-4c8e-9f10-2b3c4d5e6f70";
const GOV_ISSUER = `https://login.microsoftonline.us/${GOV_TENANT}/v2.0`;
const GOV_SCOPE = "https://cognitiveservices.azure.us/.default";
const APP = "0c9b8a7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d";

let sim: RunningSimulator;
let gw: RunningGateway;
let idp: TestIssuer;
let key: TestKey;
const audit = new AuditCapture();
const asked: { scope: string; auth: RuntimeUpstream["auth"] }[] = [];

beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY });
  key = await makeKey("gov-1");
  idp = await startTestIssuer([key]);
  const dir = mkdtempSync(join(tmpdir(), "gw-gov-"));
  const configFile = join(dir, "gateway.yaml");
  const upstreams = `  - name: usgov-virginia
    endpoint: ${sim.url}
    auth: { type: entra-id, authorityHost: "https://login.microsoftonline.us", scope: "${GOV_SCOPE}" }`;
  const yaml = testConfigYaml(sim.url, {
    upstreams,
    extra: `tokenAuth:
  issuers:
    - issuer: "${GOV_ISSUER}"
      audience: "api://aoai-policy-gateway"
      jwksUri: "${idp.jwksUri("gov")}"`,
    edit: (y) =>
      y.replace(
        "    camera: { default: body-worn, declared: allow }",
        `    camera: { default: body-worn, declared: allow }\n    appIds: ["${APP}"]`,
      ),
  });
  writeFileSync(configFile, yaml);
  gw = await startGateway({
    configFile,
    auditStream: audit,
    logStream: new Writable({ write: (_c, _e, cb) => cb() }),
    upstreams: {
      credential: (u: RuntimeUpstream) => ({
        async getToken(scopes: string | string[]) {
          asked.push({ scope: String(scopes), auth: u.auth });
          return { token: UPSTREAM_KEY, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      }),
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await sim?.close();
  await idp?.close();
});

describe("Azure Government", () => {
  it("serves a Government tenant's token through a Government-authority upstream", async () => {
    const token = await signToken(key, {
      iss: GOV_ISSUER,
      aud: "api://aoai-policy-gateway",
      azp: APP,
    });
    const client = new AzureOpenAI({
      endpoint: gw.url,
      azureADTokenProvider: async () => token,
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
      maxRetries: 0,
    });
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "Draft a shift summary." }] })
      .withResponse();
    expect(data.choices).toHaveLength(1);
    expect(asked[0]).toEqual({
      scope: GOV_SCOPE,
      auth: {
        type: "entra-id",
        scope: GOV_SCOPE,
        managedIdentityClientId: undefined,
        authorityHost: "https://login.microsoftonline.us",
      },
    });
    expect(sim.requests().at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    const record = await audit.waitFor(
      (r) => r.decisionId === response.headers.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({
      tenant: "metro-pd",
      keyId: `app:${APP}`,
      upstream: "usgov-virginia",
    });
  });
});
