import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const azure = (deployment = "gpt-4o") =>
  new AzureOpenAI({
    endpoint: h.gw.url,
    apiKey: KEYS.newsroom,
    apiVersion: "2025-03-01-preview",
    deployment,
    maxRetries: 0,
  });
const v1 = () =>
  new OpenAI({ baseURL: `${h.gw.url}/openai/v1`, apiKey: KEYS.newsroom, maxRetries: 0 });

describe("other operations through the gateway with the real SDK", () => {
  it("Responses, not streamed (classic and v1), with usage in the audit", async () => {
    const { data, response } = await azure()
      .responses.create({ model: "gpt-4o", input: "Say something short" })
      .withResponse();
    expect(data.output_text).toBeTruthy();
    const record = await h.audit.waitFor(
      (r) => r.decisionId === response.headers.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({ operation: "responses", status: 200 });
    expect(record.usage?.totalTokens).toBe(data.usage?.total_tokens);
    const viaV1 = await v1().responses.create({ model: "gpt-4o-mini", input: "hi" });
    expect(viaV1.output_text).toBeTruthy();
  });

  it("Responses, streamed, reaching response.completed and recording usage", async () => {
    const stream = await v1().responses.create({
      model: "gpt-4o",
      input: "Stream a few words",
      stream: true,
    });
    const types: string[] = [];
    let usage: number | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.completed") usage = event.response.usage?.total_tokens;
    }
    expect(types[0]).toBe("response.created");
    expect(types).toContain("response.output_text.delta");
    expect(types.at(-1)).toBe("response.completed");
    const record = await h.audit.waitFor((r) => r.operation === "responses" && r.stream === true);
    expect(record.usage?.totalTokens).toBe(usage);
    expect(record.deployment).toBe("gpt-4o");
  });

  it("embeddings (the SDK's default base64 encoding)", async () => {
    const res = await azure("text-embedding-3-small").embeddings.create({
      model: "text-embedding-3-small",
      input: ["a", "b"],
    });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]?.embedding.length).toBeGreaterThan(0);
    const record = await h.audit.waitFor((r) => r.operation === "embeddings");
    expect(record.deployment).toBe("text-embedding-3-small");
    expect(record.usage?.promptTokens).toBeGreaterThan(0);
  });

  it("images/generations", async () => {
    const res = await azure("dall-e-3").images.generate({
      model: "dall-e-3",
      prompt: "a lighthouse",
      n: 1,
    });
    expect(res.data?.[0]?.b64_json ?? res.data?.[0]?.url).toBeTruthy();
  });
});

describe("admin listener", () => {
  it("answers healthz, readyz and Prometheus metrics with request counts", async () => {
    expect((await fetch(`${h.gw.adminUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.gw.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { policyRevision: string }).policyRevision).toMatch(
      /^[0-9a-f]+$/,
    );
    await azure().chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "count me" }],
    });
    const metrics = await (await fetch(`${h.gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_requests_total\{tenant="newsroom",operation="chat.completions",status="200",decision="allow"\} \d+/,
    );
    expect(metrics).toContain("gateway_request_duration_seconds_bucket");
    expect(metrics).toContain("gateway_upstream_ttfb_seconds_bucket");
    expect(metrics).toMatch(
      /gateway_tokens_total\{tenant="newsroom",deployment="gpt-4o",kind="prompt"\} \d+/,
    );
  });

  it("is not reachable on the data-plane port", async () => {
    const res = await fetch(`${h.gw.url}/metrics`);
    expect(res.status).toBe(404);
  });
});
