import { createHash } from "node:crypto";
import { AzureOpenAI, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(); // maxBodyBytes: 1 MiB
});
afterAll(async () => {
  await h.close();
});

const client = () =>
  new AzureOpenAI({
    endpoint: h.gw.url,
    apiKey: KEYS.newsroom,
    apiVersion: "2024-10-21",
    maxRetries: 0,
  });

describe("request bodies", () => {
  it("answers malformed JSON with a 400 InvalidRequest and forwards nothing", async () => {
    h.sim.clearRequests();
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
        body: '{"messages": [',
      },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    expect(body.error).toMatchObject({ code: "InvalidRequest", type: "invalid_request_error" });
    expect(h.sim.requests()).toHaveLength(0);
    const record = await h.audit.waitFor(
      (r) => r.decisionId === res.headers.get("x-gateway-decision-id"),
    );
    expect(record).toMatchObject({ status: 400, error: "InvalidRequest" });
  });

  it("answers a body over the limit with 413 RequestTooLarge", async () => {
    h.sim.clearRequests();
    const big = JSON.stringify({ input: "x".repeat(2 * 1024 * 1024) });
    const res = await fetch(
      `${h.gw.url}/openai/deployments/emb/embeddings?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
        body: big,
      },
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("RequestTooLarge");
    expect(h.sim.requests()).toHaveLength(0);
  });

  it("counts a chunked body without content-length against the limit too", async () => {
    const chunks = async function* () {
      for (let i = 0; i < 40; i++) yield new TextEncoder().encode("x".repeat(64 * 1024));
    };
    const res = await fetch(
      `${h.gw.url}/openai/deployments/emb/embeddings?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
        body: ReadableStream.from(chunks()),
        duplex: "half",
      } as RequestInit,
    );
    expect(res.status).toBe(413);
  });

  it("streams a multipart file upload through unchanged (files API)", async () => {
    h.sim.clearRequests();
    const content = Buffer.from(
      Array.from({ length: 3000 }, (_, i) => `{"line": ${i}}\n`).join(""),
    );
    const file = await client().files.create({
      file: await toFile(content, "batch.jsonl"),
      purpose: "batch",
    });
    expect(file.bytes).toBe(content.length);
    const seen = h.sim.requests().at(-1)!;
    expect(seen.path).toBe("/openai/files");
    expect(String(seen.headers["content-type"])).toMatch(/^multipart\/form-data; boundary=/);
    const record = await h.audit.waitFor((r) => r.operation === "files" && r.method === "POST");
    expect(record.bytesIn).toBe(seen.bodyBytes);
    const listed = await client().files.list();
    expect(listed.data.some((f) => f.id === file.id)).toBe(true);
  });

  it("forwards an audio transcription (multipart) and returns the text", async () => {
    const audio = Buffer.alloc(50_000, 7);
    const res = await new AzureOpenAI({
      endpoint: h.gw.url,
      apiKey: KEYS.newsroom,
      apiVersion: "2024-10-21",
      deployment: "whisper",
      maxRetries: 0,
    }).audio.transcriptions.create({ file: await toFile(audio, "a.wav"), model: "whisper" });
    expect(res.text).toBeTruthy();
    const seen = h.sim.requests().at(-1)!;
    expect(seen.path).toBe("/openai/deployments/whisper/audio/transcriptions");
    expect(seen.bodyBytes).toBeGreaterThan(50_000);
  });

  it("forwards JSON bodies byte for byte", async () => {
    h.sim.clearRequests();
    // Odd spacing and key order that a re-serialisation would change.
    const raw =
      '{ "messages" :[{"role":"user","content":"caf\\u00e9 \u00e9"}] ,"temperature":0.50}';
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": KEYS.doorAccess, "content-type": "application/json" },
        body: raw,
      },
    );
    expect(res.status).toBe(200);
    const seen = h.sim.requests().at(-1)!;
    expect(seen.bodySha256).toBe(createHash("sha256").update(raw).digest("hex"));
  });
});
