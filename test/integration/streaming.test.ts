import { request } from "node:http";
import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("streaming", () => {
  it("relays each SSE event when upstream sends it, not at the end", async () => {
    // 6 chunks 60 ms apart: the client must see the first content long before the last.
    const client = new AzureOpenAI({
      endpoint: h.gw.url,
      apiKey: KEYS.newsroom,
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
      maxRetries: 0,
      defaultHeaders: { "x-simulator-chunks": "6", "x-simulator-chunk-delay-ms": "60" },
    });
    const started = performance.now();
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "count" }],
      stream: true,
    });
    const contentTimes: number[] = [];
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.choices[0]?.delta?.content) contentTimes.push(performance.now() - started);
    }
    expect(contentTimes.length).toBe(6);
    // Paced 60 ms apart upstream, so 5 gaps: >= 250 ms between first and last content chunk.
    expect(contentTimes.at(-1)! - contentTimes[0]!).toBeGreaterThanOrEqual(250);
    // And each gap is real: no two thirds of the chunks arrive in one burst.
    const gaps = contentTimes.slice(1).map((t, i) => t - contentTimes[i]!);
    expect(gaps.filter((g) => g >= 30).length).toBeGreaterThanOrEqual(4);
    // Azure's first chunk (prompt_filter_results), role chunk, 6 content, stop chunk.
    expect(chunks).toBeGreaterThanOrEqual(8);
  });

  it("aborts the upstream call when the client goes away mid-stream", async () => {
    h.sim.clearRequests();
    const body = JSON.stringify({
      messages: [{ role: "user", content: "long story" }],
      stream: true,
    });
    let decisionId = "";
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
        {
          method: "POST",
          headers: {
            "api-key": KEYS.newsroom,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-simulator-chunks": "200",
            "x-simulator-chunk-delay-ms": "20",
          },
        },
        (res) => {
          decisionId = String(res.headers["x-gateway-decision-id"]);
          let seen = 0;
          res.on("data", () => {
            seen++;
            if (seen === 3) {
              req.destroy(); // the client goes away after a few events
              resolve();
            }
          });
          res.on("error", () => {});
        },
      );
      req.on("error", () => {});
      req.end(body, () => undefined);
      setTimeout(() => reject(new Error("no data")), 5000).unref();
    });
    const upstream = await until(
      () => h.sim.requests().find((r) => r.outcome === "client-aborted"),
      "the simulator to see the abort",
    );
    // The upstream stream was cut long before its 200 chunks.
    expect(upstream.chunksSent).toBeLessThan(50);
    const record = await h.audit.waitFor((r) => r.decisionId === decisionId);
    expect(record.clientAborted).toBe(true);
    expect(record.stream).toBe(true);
  });

  it("respects backpressure: a paused client pauses upstream instead of buffering", async () => {
    h.sim.clearRequests();
    const body = JSON.stringify({ messages: [{ role: "user", content: "big" }], stream: true });
    // 40000 quick chunks of about 600 bytes (24 MB): far more than loopback socket buffers hold. The
    // client reads nothing for a while.
    const res = await new Promise<import("node:http").IncomingMessage>((resolve) => {
      const req = request(
        `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
        {
          method: "POST",
          headers: {
            "api-key": KEYS.newsroom,
            "content-type": "application/json",
            "x-simulator-chunks": "40000",
            "x-simulator-chunk-delay-ms": "0",
          },
        },
        resolve,
      );
      req.end(body);
    });
    res.pause();
    // Wait until upstream stops making progress while the client reads nothing: its count of
    // chunks sent stays the same over several polls.
    const decisionId = String(res.headers["x-gateway-decision-id"]);
    const mine = () =>
      h.sim.requests().find((r) => r.headers["x-ms-client-request-id"] === decisionId);
    let last = -1;
    let steady = 0;
    const deadline = Date.now() + 15_000;
    while (steady < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const sent = mine()?.chunksSent ?? -1;
      steady = sent === last && sent > 0 ? steady + 1 : 0;
      last = sent;
    }
    const stalled = mine()!;
    expect(stalled.outcome).toBe("in-progress");
    expect(stalled.chunksSent).toBeLessThan(40000);
    // Reading resumes the flow to the end.
    res.resume();
    await new Promise((r) => res.on("end", r));
    const done = mine()!;
    expect(done.outcome).toBe("completed");
    expect(done.chunksSent).toBeGreaterThanOrEqual(40000);
  });
});
