import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatIfAnswer } from "../../src/pipeline/what-if.js";
import { dataUrl, jpeg } from "../fixtures/images/make-fixtures.js";
import { type Harness, KEYS, startGatewayOn, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const BODYCAM = dataUrl("image/jpeg", jpeg({ tags: { make: "Axon", model: "Axon Body 3" } }));
const recognition = {
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Who is this man? Match him against our mugshots." },
        { type: "image_url", image_url: { url: BODYCAM } },
      ],
    },
  ],
};

describe("what-if: POST /_gateway/evaluate/<path>", () => {
  it("explains a denial with facts and policies and forwards nothing", async () => {
    h.sim.clearRequests();
    const res = await fetch(
      `${h.gw.url}/_gateway/evaluate/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: {
          "api-key": KEYS.metroPd,
          "content-type": "application/json",
          "x-gateway-capture": "live",
        },
        body: JSON.stringify(recognition),
      },
    );
    expect(res.status).toBe(200);
    const answer = (await res.json()) as WhatIfAnswer;
    expect(answer.decision).toBe("deny");
    expect(answer.decisionId).toBe(res.headers.get("x-gateway-decision-id"));
    expect(answer.policies.map((p) => p.id).sort()).toEqual([
      "law-enforcement-no-live-recognition-on-mobile-cameras",
      "us-law-enforcement-no-facial-recognition",
    ]);
    expect(answer.facts).toMatchObject({
      operation: "chat.completions",
      deployment: "gpt-4o",
      stream: false,
      images: { count: 1, origins: ["inline"] },
      camera: {
        source: "body-worn",
        mobility: "mobile",
        origin: { source: "exif" },
        exif: { make: "Axon", model: "Axon Body 3" },
      },
      capture: "live",
      purposes: ["facial-identification"],
    });
    expect(answer.facts.evidence.length).toBeGreaterThan(0);
    expect(h.sim.requests()).toHaveLength(0);
    const record = await h.audit.waitFor((r) => r.decisionId === answer.decisionId);
    expect(record.whatIf).toBe(true);
  });

  it("answers allow for an allowed call, on the v1 path too", async () => {
    const res = await fetch(`${h.gw.url}/_gateway/evaluate/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS.newsroom}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Describe a sunset." }],
      }),
    });
    const answer = (await res.json()) as WhatIfAnswer;
    expect(answer.decision).toBe("allow");
    expect(answer.facts.deployment).toBe("gpt-4o-mini");
    expect(answer.policies.map((p) => p.id)).toEqual(["no-facial-recognition"]);
  });

  it("still requires the tenant key", async () => {
    const res = await fetch(`${h.gw.url}/_gateway/evaluate/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });
});

describe("dry-run mode", () => {
  it("forwards what would be denied, answering shadow-deny and auditing it", async () => {
    const { gw, audit } = await startGatewayOn(h.sim.url, { mode: "dry-run" });
    try {
      h.sim.clearRequests();
      const client = new AzureOpenAI({
        endpoint: gw.url,
        apiKey: KEYS.metroPd,
        apiVersion: "2024-10-21",
        deployment: "gpt-4o",
        maxRetries: 0,
      });
      const { data, response } = await client.chat.completions
        .create({ model: "gpt-4o", messages: recognition.messages as never })
        .withResponse();
      expect(data.choices[0]?.message.content).toBeTruthy();
      expect(response.headers.get("x-gateway-decision")).toBe("shadow-deny");
      expect(h.sim.requests()).toHaveLength(1);
      const record = await audit.waitFor(
        (r) => r.decisionId === response.headers.get("x-gateway-decision-id"),
      );
      expect(record).toMatchObject({ decision: "shadow-deny", mode: "dry-run", status: 200 });
      expect(record.policies).toEqual(["us-law-enforcement-no-facial-recognition"]);
    } finally {
      await gw.close();
    }
  });
});

describe("shadow policies", () => {
  it('records what a @mode("shadow") policy would deny without denying it', async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-shadow-"));
    const file = join(dir, "shadow.cedar");
    writeFileSync(
      file,
      `@id("trial-no-drone-images")
@reason("trial: the agency plans to forbid analysing drone images")
@mode("shadow")
forbid (principal, action == Action::"analyzeImage", resource)
when { context.cameraSource == "drone" };
`,
    );
    const { gw, audit } = await startGatewayOn(h.sim.url, { extraPolicies: [file] });
    try {
      const client = new AzureOpenAI({
        endpoint: gw.url,
        apiKey: KEYS.newsroom,
        apiVersion: "2024-10-21",
        deployment: "gpt-4o",
        maxRetries: 0,
        defaultHeaders: { "x-gateway-camera-source": "drone" },
      });
      const { response } = await client.chat.completions
        .create({
          model: "gpt-4o",
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "Describe this field." },
                { type: "image_url", image_url: { url: "https://drone.example/field.jpg" } },
              ],
            },
          ],
        })
        .withResponse();
      expect(response.status).toBe(200);
      expect(response.headers.get("x-gateway-decision")).toBe("shadow-deny");
      const record = await audit.waitFor(
        (r) => r.decisionId === response.headers.get("x-gateway-decision-id"),
      );
      expect(record.policies).toEqual(["trial-no-drone-images"]);
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /gateway_policy_decisions_total\{tenant="newsroom",decision="shadow-deny",policy="trial-no-drone-images",mode="shadow"\} 1/,
      );
    } finally {
      await gw.close();
    }
  });
});
