import { AuthenticationError, AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Harness,
  KEYS,
  startGatewayOn,
  startHarness,
  UPSTREAM_KEY,
} from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const url = () => `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`;
const body = JSON.stringify({ messages: [{ role: "user", content: "hi" }] });

describe("tenant identification", () => {
  it.each([
    ["no key at all", {}],
    ["an unknown api-key", { "api-key": "not-a-tenant-key" }],
    ["an unknown bearer token", { authorization: "Bearer not-a-tenant-key" }],
    ["the upstream key itself", { "api-key": UPSTREAM_KEY }],
    ["an empty bearer", { authorization: "Bearer " }],
  ])(
    "answers 401 GatewayAuthenticationFailed for %s, forwarding nothing",
    async (_name, headers) => {
      h.sim.clearRequests();
      const res = await fetch(url(), {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
      expect(res.status).toBe(401);
      const err = (await res.json()) as { error: { code: string } };
      expect(err.error.code).toBe("GatewayAuthenticationFailed");
      expect(h.sim.requests()).toHaveLength(0);
      const record = await h.audit.waitFor(
        (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
      );
      expect(record).toMatchObject({
        status: 401,
        tenant: null,
        error: "GatewayAuthenticationFailed",
      });
    },
  );

  it("makes the SDK raise AuthenticationError for a wrong key", async () => {
    const client = new AzureOpenAI({
      endpoint: h.gw.url,
      apiKey: "wrong",
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
      maxRetries: 0,
    });
    await expect(
      client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("accepts the key as Authorization: Bearer (the v1 OpenAI client's way)", async () => {
    const res = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEYS.doorAccess}` },
      body,
    });
    expect(res.status).toBe(200);
    const record = await h.audit.waitFor(
      (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
    );
    expect(record.tenant).toBe("door-access-co");
  });

  it("serves the default tenant without a key in the sidecar setup", async () => {
    const { gw, audit } = await startGatewayOn(h.sim.url, { defaultTenant: "door-access-co" });
    try {
      const res = await fetch(
        `${gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        },
      );
      expect(res.status).toBe(200);
      const record = await audit.waitFor(
        (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
      );
      expect(record.tenant).toBe("door-access-co");
      // A wrong key is still refused: the default applies only to requests without one.
      const wrong = await fetch(
        `${gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
        {
          method: "POST",
          headers: { "content-type": "application/json", "api-key": "wrong" },
          body,
        },
      );
      expect(wrong.status).toBe(401);
    } finally {
      await gw.close();
    }
  });

  it("rejects an x-gateway-on-behalf-of customer the tenant does not have", async () => {
    const res = await fetch(url(), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "api-key": KEYS.evidenceCloud,
        "x-gateway-on-behalf-of": "someone-else",
      },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: "InvalidRequest",
      param: "x-gateway-on-behalf-of",
    });
  });
});
