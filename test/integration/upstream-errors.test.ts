import { createServer } from "node:net";
import { AzureOpenAI, RateLimitError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startGatewayOn, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const chat = (headers: Record<string, string>) =>
  fetch(`${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, {
    method: "POST",
    headers: { "api-key": KEYS.newsroom, "content-type": "application/json", ...headers },
    body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
  });

describe("upstream errors", () => {
  it("passes a 429 through unchanged, with retry-after and rate-limit headers", async () => {
    const res = await chat({ "x-simulator-status": "429" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect(res.headers.get("retry-after-ms")).toBeTruthy();
    expect(res.headers.get("x-gateway-decision")).toBe("allow");
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("429");
    const record = await h.audit.waitFor(
      (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
    );
    expect(record.status).toBe(429);
    expect(record.upstreamStatus).toBe(429);
  });

  it("lets the SDK see the 429 as a RateLimitError", async () => {
    const client = new AzureOpenAI({
      endpoint: h.gw.url,
      apiKey: KEYS.newsroom,
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
      maxRetries: 0,
      defaultHeaders: { "x-simulator-status": "429" },
    });
    await expect(
      client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toBeInstanceOf(RateLimitError);
  });

  it("passes a 500 through with Azure's body", async () => {
    const res = await chat({ "x-simulator-status": "500" });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("InternalServerError");
  });

  it("answers 502 UpstreamUnavailable when upstream resets the connection", async () => {
    const res = await chat({ "x-simulator-drop-after-chunks": "0" });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("UpstreamUnavailable");
    expect(body.error.message).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    const record = await h.audit.waitFor(
      (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({ status: 502, error: "UpstreamUnavailable" });
  });

  it("answers 504 UpstreamTimeout when upstream is slower than the configured timeout", async () => {
    const res = await chat({ "x-simulator-delay-ms": "5000" }); // harness timeout: 1500 ms
    expect(res.status).toBe(504);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("UpstreamTimeout");
  });

  it("cuts the client stream when upstream drops mid-stream, and audits it", async () => {
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: {
          "api-key": KEYS.newsroom,
          "content-type": "application/json",
          "x-simulator-drop-after-chunks": "3",
        },
        body: JSON.stringify({ messages: [{ role: "user", content: "hello" }], stream: true }),
      },
    );
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const record = await h.audit.waitFor(
      (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
    );
    expect(record.upstreamError).toBeTruthy();
    expect(record.bytesOut).toBeGreaterThan(0);
  });
});

describe("unreachable upstream", () => {
  it("answers 502 UpstreamUnavailable when nothing listens", async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const { gw } = await startGatewayOn(`http://127.0.0.1:${port}`);
    try {
      const res = await fetch(
        `${gw.url}/openai/deployments/gpt-4o/embeddings?api-version=2024-10-21`,
        {
          method: "POST",
          headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
          body: JSON.stringify({ input: "hello" }),
        },
      );
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "UpstreamUnavailable",
      );
    } finally {
      await gw.close();
    }
  });
});
