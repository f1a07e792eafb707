import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness, UPSTREAM_KEY } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const azure = (apiKey: string = KEYS.newsroom) =>
  new AzureOpenAI({
    endpoint: h.gw.url,
    apiKey,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
  });

describe("chat completions through the gateway", () => {
  it("answers a non-streamed chat call with the AzureOpenAI client and audits it", async () => {
    const { data, response } = await azure()
      .chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Say hello" }],
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-gateway-decision")).toBe("allow");
    const decisionId = response.headers.get("x-gateway-decision-id");
    expect(decisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("apim-request-id")).toBeTruthy();

    const upstream = h.sim
      .requests()
      .find((r) => r.headers["x-ms-client-request-id"] === decisionId);
    expect(upstream?.path).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(upstream?.headers["api-key"]).toBe(UPSTREAM_KEY);

    const record = await h.audit.waitFor((r) => r.decisionId === decisionId);
    expect(record).toMatchObject({
      tenant: "newsroom",
      operation: "chat.completions",
      deployment: "gpt-4o",
      status: 200,
      upstreamStatus: 200,
      stream: false,
      decision: "allow",
    });
    expect(record.usage?.totalTokens).toBe(data.usage?.total_tokens);
    expect(record.latencyMs.upstreamTtfb).toBeGreaterThan(0);
    expect(JSON.stringify(record)).not.toContain("Say hello");
  });

  it("streams chunks as the simulator paces them, with Azure's first chunk and usage", async () => {
    const stream = await azure().chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const arrivals: number[] = [];
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      arrivals.push(performance.now());
      chunks.push(chunk);
    }
    expect(chunks[0]?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta?.content);
    expect(contentChunks.length).toBeGreaterThanOrEqual(4);
    // 8 chunks paced 5 ms apart arrive spread over time, not all at once at the end.
    const spread = arrivals.at(-1)! - arrivals[0]!;
    expect(spread).toBeGreaterThanOrEqual(15);
  });

  it("serves the v1 path to the plain OpenAI client", async () => {
    const client = new OpenAI({
      baseURL: `${h.gw.url}/openai/v1`,
      apiKey: KEYS.newsroom,
      maxRetries: 0,
    });
    const res = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.choices[0]?.message.content).toBeTruthy();
    const seen = h.sim.requests().at(-1);
    expect(seen?.path).toBe("/openai/v1/chat/completions");
    expect(seen?.headers.authorization).toBeUndefined();
  });
});
