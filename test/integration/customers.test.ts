/**
 * Acting for a customer (docs/api.md) through the gateway, with the real openai SDK: a vendor that
 * names no customer is judged as every one of them, a customer-scoped key is judged as its
 * customer, and two different credentials on one request are refused. What reaches the simulator
 * is read from its own request log (`GET /_simulator/requests`).
 */
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import {
  AuthenticationError,
  AzureOpenAI,
  BadRequestError,
  type OpenAI,
  PermissionDeniedError,
} from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatIfAnswer } from "../../src/pipeline/what-if.js";
import type { RecordedRequest } from "../../src/simulator/types.js";
import { type Harness, KEYS, startGatewayOn, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const CHAT_PATH = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";
const keyId = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 12);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const azure = (apiKey: string, headers: Record<string, string> = {}, url = h.gw.url) =>
  new AzureOpenAI({
    endpoint: url,
    apiKey,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
    defaultHeaders: headers,
  });

const WHO_IS_HE: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
  model: "gpt-4o",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Who is this man? Give me his name." },
        { type: "image_url", image_url: { url: "https://cdn.example/suspect.jpg" } },
      ],
    },
  ],
};
const DESCRIBE_ROOM: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
  model: "gpt-4o",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Describe what the people in this waiting room are doing." },
        { type: "image_url", image_url: { url: "https://cdn.example/waiting-room.jpg" } },
      ],
    },
  ],
};

/** The simulator's request log, read over HTTP. */
async function upstreamSaw(sim = h.sim): Promise<RecordedRequest[]> {
  const res = await fetch(`${sim.url}/_simulator/requests`);
  return ((await res.json()) as { requests: RecordedRequest[] }).requests;
}

/** Runs a call that must fail, returning its error; the simulator must have seen nothing. */
async function refused<E>(call: () => Promise<unknown>, type: abstract new (...a: never[]) => E) {
  h.sim.clearRequests();
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  expect(await upstreamSaw()).toEqual([]);
  return err as E;
}

/** Runs an allowed chat call; the simulator must have received exactly the SDK's body. */
async function forwarded(
  client: AzureOpenAI,
  params: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
  sim = h.sim,
) {
  sim.clearRequests();
  const { data, response } = await client.chat.completions.create(params).withResponse();
  expect(data.choices[0]?.message.content).toBeTruthy();
  const seen = await upstreamSaw(sim);
  expect(seen).toHaveLength(1);
  expect(seen[0]!.bodySha256).toBe(sha256(JSON.stringify(params)));
  expect(seen[0]!.json).toEqual(params);
  expect(JSON.stringify(seen[0]!.headers)).not.toMatch(/x-gateway-on-behalf-of|test-key-/);
  return response;
}

const auditOf = (decisionId: string | null | undefined) =>
  h.audit.waitFor((r) => r.decisionId === decisionId);

describe("a vendor with customers that names none is judged as every one of them", () => {
  it("denies who-is-this for the vendor whose customers include a US police department", async () => {
    const err = await refused(
      () => azure(KEYS.evidenceCloud).chat.completions.create(WHO_IS_HE),
      PermissionDeniedError,
    );
    const body = err.error as { innererror: { decision_id: string; policies: { id: string }[] } };
    expect(body.innererror.policies.map((p) => p.id)).toEqual([
      "us-law-enforcement-no-facial-recognition",
    ]);
    const record = await auditOf(body.innererror.decision_id);
    expect(record).toMatchObject({
      tenant: "evidence-cloud",
      agency: "city-pd",
      agencyType: "law-enforcement",
      jurisdiction: "US-CA",
      customerBy: "undeclared",
      judgedAs: ["evidence-cloud", "city-pd", "hospital-7"],
      keyId: keyId(KEYS.evidenceCloud),
      decision: "deny",
      status: 403,
      policies: ["us-law-enforcement-no-facial-recognition"],
    });
    expect(record.onBehalfOf).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain(KEYS.evidenceCloud);
  });

  it("forwards what every one of them may do, byte for byte, judged as the vendor", async () => {
    const response = await forwarded(azure(KEYS.evidenceCloud), DESCRIBE_ROOM);
    expect(response.headers.get("x-gateway-decision")).toBe("allow");
    const record = await auditOf(response.headers.get("x-gateway-decision-id"));
    expect(record).toMatchObject({
      agency: "evidence-cloud",
      agencyType: "commercial",
      customerBy: "undeclared",
      judgedAs: ["evidence-cloud", "city-pd", "hospital-7"],
      decision: "allow",
      policies: ["no-facial-recognition"],
    });
  });

  it("judges the vendor naming its hospital customer as the hospital (declared)", async () => {
    const response = await forwarded(
      azure(KEYS.evidenceCloud, { "x-gateway-on-behalf-of": "hospital-7" }),
      DESCRIBE_ROOM,
    );
    const record = await auditOf(response.headers.get("x-gateway-decision-id"));
    expect(record).toMatchObject({
      agency: "hospital-7",
      onBehalfOf: "hospital-7",
      customerBy: "declared",
      keyId: keyId(KEYS.evidenceCloud),
      decision: "allow",
    });
    expect(record.judgedAs).toBeUndefined();
  });

  it("records no customerBy for a tenant without customers", async () => {
    const response = await forwarded(azure(KEYS.doorAccess), DESCRIBE_ROOM);
    const record = await auditOf(response.headers.get("x-gateway-decision-id"));
    expect(record).toMatchObject({
      tenant: "door-access-co",
      agency: "door-access-co",
      keyId: keyId(KEYS.doorAccess),
    });
    expect(record.customerBy).toBeUndefined();
    expect(record.judgedAs).toBeUndefined();
  });

  it("answers the what-if the same way, naming the agencies it judged", async () => {
    h.sim.clearRequests();
    const res = await fetch(`${h.gw.url}/_gateway/evaluate${CHAT_PATH}`, {
      method: "POST",
      headers: { "api-key": KEYS.evidenceCloud, "content-type": "application/json" },
      body: JSON.stringify(WHO_IS_HE),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as WhatIfAnswer;
    expect(answer).toMatchObject({
      decision: "deny",
      agency: { id: "city-pd", agencyType: "law-enforcement", jurisdiction: "US-CA" },
      customerBy: "undeclared",
      judgedAs: ["evidence-cloud", "city-pd", "hospital-7"],
    });
    expect(answer.policies.map((p) => p.id)).toEqual(["us-law-enforcement-no-facial-recognition"]);
    expect(await upstreamSaw()).toEqual([]);
  });

  it("keeps dry-run: forwards the call as shadow-deny, recording the customer that would deny", async () => {
    const { gw, audit } = await startGatewayOn(h.sim.url, { mode: "dry-run" });
    try {
      const response = await forwarded(azure(KEYS.evidenceCloud, {}, gw.url), WHO_IS_HE);
      expect(response.headers.get("x-gateway-decision")).toBe("shadow-deny");
      const record = await audit.waitFor(
        (r) => r.decisionId === response.headers.get("x-gateway-decision-id"),
      );
      expect(record).toMatchObject({
        decision: "shadow-deny",
        mode: "dry-run",
        agency: "city-pd",
        customerBy: "undeclared",
        policies: ["us-law-enforcement-no-facial-recognition"],
      });
    } finally {
      await gw.close();
    }
  });
});

describe("a customer-scoped key", () => {
  it("is judged as its customer without any header", async () => {
    const err = await refused(
      () => azure(KEYS.cityPd).chat.completions.create(WHO_IS_HE),
      PermissionDeniedError,
    );
    const body = err.error as { innererror: { decision_id: string } };
    const record = await auditOf(body.innererror.decision_id);
    expect(record).toMatchObject({
      tenant: "evidence-cloud",
      agency: "city-pd",
      onBehalfOf: "city-pd",
      customerBy: "key",
      keyId: keyId(KEYS.cityPd),
      policies: ["us-law-enforcement-no-facial-recognition"],
    });
    expect(record.judgedAs).toBeUndefined();
  });

  it("accepts the header naming its own customer, and forwards neither key nor header", async () => {
    const response = await forwarded(
      azure(KEYS.cityPd, { "x-gateway-on-behalf-of": "city-pd" }),
      DESCRIBE_ROOM,
    );
    const record = await auditOf(response.headers.get("x-gateway-decision-id"));
    expect(record).toMatchObject({ agency: "city-pd", customerBy: "key", decision: "allow" });
  });

  it("refuses the header naming another customer with a 400, forwarding nothing", async () => {
    const err = await refused(
      () =>
        azure(KEYS.cityPd, { "x-gateway-on-behalf-of": "hospital-7" }).chat.completions.create(
          DESCRIBE_ROOM,
        ),
      BadRequestError,
    );
    expect(err.status).toBe(400);
    const body = err.error as { code: string; param: string; message: string };
    expect(body).toMatchObject({ code: "InvalidRequest", param: "x-gateway-on-behalf-of" });
    expect(body.message).toContain("`city-pd`");
    expect(body.message).toContain("`hospital-7`");
    const record = await auditOf(err.headers?.get("x-gateway-decision-id"));
    expect(record).toMatchObject({ status: 400, error: "InvalidRequest", decision: "none" });
  });
});

/** Sends a raw request whose headers may repeat (fetch would merge them into one line). */
function rawPost(headers: [string, string | string[]][], body: string) {
  return new Promise<{
    status: number;
    json: { error: { code: string; message: string } };
    decisionId: string;
  }>((resolve, reject) => {
    const req = httpRequest(`${h.gw.url}${CHAT_PATH}`, { method: "POST" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          json: JSON.parse(Buffer.concat(chunks).toString("utf8")),
          decisionId: String(res.headers["x-gateway-decision-id"]),
        }),
      );
    });
    req.on("error", reject);
    req.setHeader("content-type", "application/json");
    for (const [name, value] of headers) req.setHeader(name, value);
    req.end(body);
  });
}

describe("two credentials on one request", () => {
  const body = JSON.stringify(DESCRIBE_ROOM);

  it.each([
    [
      "api-key and Bearer naming two tenants",
      [
        ["api-key", KEYS.newsroom],
        ["authorization", `Bearer ${KEYS.metroPd}`],
      ],
    ],
    [
      "a valid api-key and an unknown Bearer",
      [
        ["api-key", KEYS.newsroom],
        ["authorization", "Bearer not-a-key"],
      ],
    ],
    [
      "a tenant key and its own customer's key",
      [
        ["api-key", KEYS.evidenceCloud],
        ["authorization", `Bearer ${KEYS.cityPd}`],
      ],
    ],
    ["a repeated api-key header with two keys", [["api-key", [KEYS.newsroom, KEYS.doorAccess]]]],
    [
      "two Authorization headers with two keys",
      [["authorization", [`Bearer ${KEYS.newsroom}`, `Bearer ${KEYS.doorAccess}`]]],
    ],
  ] as [string, [string, string | string[]][]][])(
    "refuses %s with a 401, forwarding nothing",
    async (_what, headers) => {
      h.sim.clearRequests();
      const res = await rawPost(headers, body);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("GatewayAuthenticationFailed");
      expect(res.json.error.message).toContain("two different gateway keys");
      expect(res.json.error.message).not.toContain("test-key-");
      expect(await upstreamSaw()).toEqual([]);
      const record = await auditOf(res.decisionId);
      expect(record).toMatchObject({
        status: 401,
        tenant: null,
        error: "GatewayAuthenticationFailed",
      });
      expect(record.keyId).toBeUndefined();
    },
  );

  it("makes the SDK raise AuthenticationError when a default header adds a second key", async () => {
    const err = await refused(
      () =>
        azure(KEYS.newsroom, {
          authorization: `Bearer ${KEYS.doorAccess}`,
        }).chat.completions.create(DESCRIBE_ROOM),
      AuthenticationError,
    );
    expect(err.status).toBe(401);
  });

  it.each([
    [
      "api-key and Bearer with the same key",
      [
        ["api-key", KEYS.doorAccess],
        ["authorization", `Bearer ${KEYS.doorAccess}`],
      ],
    ],
    [
      "a repeated api-key header with the same key",
      [["api-key", [KEYS.doorAccess, KEYS.doorAccess]]],
    ],
  ] as [string, [string, string | string[]][]][])(
    "accepts %s as one key",
    async (_what, headers) => {
      h.sim.clearRequests();
      const res = await rawPost(headers, body);
      expect(res.status).toBe(200);
      const seen = await upstreamSaw();
      expect(seen).toHaveLength(1);
      expect(seen[0]!.bodySha256).toBe(sha256(body));
      const record = await auditOf(res.decisionId);
      expect(record).toMatchObject({ tenant: "door-access-co", keyId: keyId(KEYS.doorAccess) });
    },
  );
});
