import { createHash } from "node:crypto";
import OpenAI, { AzureOpenAI, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RecordedRequest,
  type RunningSimulator,
  startSimulator,
} from "../../src/simulator/index.js";

const API_KEY = "sim-key";
const CHUNKS = 8;
const CHUNK_DELAY_MS = 15;

let sim: RunningSimulator;
let azure: AzureOpenAI;
let v1: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({
    apiKey: API_KEY,
    faults: true,
    chunks: CHUNKS,
    chunkDelayMs: CHUNK_DELAY_MS,
  });
  azure = new AzureOpenAI({
    endpoint: sim.url,
    apiKey: API_KEY,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
  });
  v1 = new OpenAI({ baseURL: `${sim.url}/openai/v1`, apiKey: API_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

async function recorded(): Promise<RecordedRequest[]> {
  const res = await fetch(`${sim.url}/_simulator/requests`);
  const body = (await res.json()) as { requests: RecordedRequest[] };
  return body.requests;
}

/** Polls the request log (bounded) until `predicate` holds for the request with `marker`. */
async function waitForRecord(
  marker: string,
  predicate: (r: RecordedRequest) => boolean,
): Promise<RecordedRequest> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = (await recorded()).find((r) => r.headers["x-test-marker"] === marker);
    if (found !== undefined && predicate(found)) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`request ${marker} never reached the expected state`);
}

const messages = [{ role: "user" as const, content: "Describe the scene in this photo." }];

describe("chat completions", () => {
  it("answers in Azure's non-stream shape", async () => {
    const { data, response } = await azure.chat.completions
      .create({ model: "gpt-4o", messages })
      .withResponse();
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("gpt-4o");
    expect(data.choices[0]?.message.content?.split(" ")).toHaveLength(CHUNKS);
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage?.completion_tokens).toBe(CHUNKS);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + CHUNKS);
    const raw = data as unknown as {
      prompt_filter_results: Array<{ prompt_index: number }>;
      choices: Array<{ content_filter_results: Record<string, unknown> }>;
    };
    expect(raw.prompt_filter_results[0]?.prompt_index).toBe(0);
    expect(raw.choices[0]?.content_filter_results["hate"]).toEqual({
      filtered: false,
      severity: "safe",
    });
    expect(response.headers.get("apim-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-ms-region")).toBe("Sweden Central");
    expect(response.headers.get("x-ratelimit-remaining-requests")).not.toBeNull();
    expect(response.headers.get("content-type")).toBe("application/json");
  });

  it("streams Azure's chunks, paced, with usage and [DONE]", async () => {
    const stream = await azure.chat.completions.create({
      model: "gpt-4o",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Array<{ at: number; chunk: OpenAI.Chat.Completions.ChatCompletionChunk }> = [];
    for await (const chunk of stream) chunks.push({ at: performance.now(), chunk });

    const first = chunks[0]?.chunk as unknown as {
      choices: unknown[];
      model: string;
      prompt_filter_results: unknown[];
    };
    expect(first.choices).toEqual([]);
    expect(first.model).toBe("");
    expect(first.prompt_filter_results).toHaveLength(1);
    expect(chunks[1]?.chunk.choices[0]?.delta.role).toBe("assistant");
    const content = chunks.filter((c) => (c.chunk.choices[0]?.delta.content ?? "") !== "");
    expect(content).toHaveLength(CHUNKS);
    const firstContent = content[0]?.chunk.choices[0] as unknown as
      | { content_filter_results: object }
      | undefined;
    const filter = firstContent?.content_filter_results;
    expect(filter).toHaveProperty("violence");
    const gap = (content.at(-1)?.at ?? 0) - (content[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual((CHUNKS - 2) * CHUNK_DELAY_MS * 0.5);
    expect(chunks.at(-2)?.chunk.choices[0]?.finish_reason).toBe("stop");
    const usage = chunks.at(-1)?.chunk;
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.completion_tokens).toBe(CHUNKS);

    // The stream says what the non-stream answer says.
    const whole = await azure.chat.completions.create({ model: "gpt-4o", messages });
    expect(content.map((c) => c.chunk.choices[0]?.delta.content).join("")).toBe(
      whole.choices[0]?.message.content,
    );
  });

  it("serves the v1 path with the deployment from the body's model", async () => {
    const { data, response } = await v1.chat.completions
      .create({ model: "gpt-4o-mini", messages })
      .withResponse();
    expect(data.model).toBe("gpt-4o-mini");
    expect(response.headers.get("x-ms-deployment-name")).toBe("gpt-4o-mini");
    const last = (await recorded()).at(-1);
    expect(last?.path).toBe("/openai/v1/chat/completions");
  });

  it("cuts the answer at max_tokens with finish_reason length", async () => {
    const data = await azure.chat.completions.create({ model: "gpt-4o", messages, max_tokens: 3 });
    expect(data.choices[0]?.finish_reason).toBe("length");
    expect(data.usage?.completion_tokens).toBe(3);
  });
});

describe("responses", () => {
  it("answers a Response object", async () => {
    const response = await azure.responses.create({
      model: "gpt-4o",
      input: "What is in this picture?",
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.output_text.split(" ")).toHaveLength(CHUNKS);
    expect(response.usage?.output_tokens).toBe(CHUNKS);
    expect(response.usage?.total_tokens).toBe((response.usage?.input_tokens ?? 0) + CHUNKS);
  });

  it("streams the Responses events in order, ending with response.completed", async () => {
    const stream = await v1.responses.create({
      model: "gpt-4o",
      input: "What is in this picture?",
      stream: true,
    });
    const types: string[] = [];
    const sequence: number[] = [];
    let text = "";
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.filter((t) => t === "response.output_text.delta")).toHaveLength(CHUNKS);
    expect(types.at(-1)).toBe("response.completed");
    expect(sequence).toEqual(sequence.map((_, i) => i));
    expect(completed?.usage?.output_tokens).toBe(CHUNKS);
    expect(text.split(" ")).toHaveLength(CHUNKS);
  });

  it("works with the SDK's responses.stream helper", async () => {
    const stream = azure.responses.stream({ model: "gpt-4o", input: "Hello" });
    const final = await stream.finalResponse();
    expect(final.output_text.split(" ")).toHaveLength(CHUNKS);
  });
});

describe("other operations", () => {
  it("embeds deterministically, in base64 (SDK default) and float", async () => {
    const base64 = await azure.embeddings.create({ model: "ada", input: ["hello", "world"] });
    const float = await azure.embeddings.create({
      model: "ada",
      input: ["hello", "world"],
      encoding_format: "float",
    });
    expect(base64.data).toHaveLength(2);
    expect(base64.data[0]?.embedding).toHaveLength(1536);
    expect(float.data[0]?.embedding[0]).toBeCloseTo(base64.data[0]?.embedding[0] ?? Number.NaN, 6);
    expect(float.data[1]?.embedding).not.toEqual(float.data[0]?.embedding);
    expect(base64.usage.prompt_tokens).toBeGreaterThan(0);
    const small = await v1.embeddings.create({ model: "te3", input: "hello", dimensions: 8 });
    expect(small.data[0]?.embedding).toHaveLength(8);
  });

  it("generates images with Azure's filter results", async () => {
    const images = await azure.images.generate({ model: "dall-e-3", prompt: "a lighthouse" });
    const image = images.data?.[0] as unknown as {
      b64_json: string;
      content_filter_results: object;
    };
    expect(Buffer.from(image.b64_json, "base64").subarray(1, 4).toString()).toBe("PNG");
    expect(image.content_filter_results).toHaveProperty("sexual");
  });

  it("transcribes multipart audio", async () => {
    const file = await toFile(Buffer.alloc(40_000, 1), "a.wav");
    const result = await azure.audio.transcriptions.create({ model: "whisper", file });
    expect(result.text).toContain("a.wav (40000 bytes)");
    const text = await v1.audio.transcriptions.create({
      model: "whisper",
      file: await toFile(Buffer.alloc(10), "b.wav"),
      response_format: "text",
    });
    expect(String(text)).toContain("b.wav");
  });

  it("uploads, lists, retrieves and deletes files", async () => {
    const content = Buffer.from('{"prompt":"x"}\n'.repeat(1000));
    const created = await azure.files.create({
      file: await toFile(content, "train.jsonl"),
      purpose: "fine-tune",
    });
    expect(created).toMatchObject({
      object: "file",
      filename: "train.jsonl",
      bytes: content.length,
    });
    expect(created.id).toMatch(/^file-/);
    expect(created.status).toBe("processed");
    const listed = await azure.files.list();
    expect(listed.data.map((f) => f.id)).toContain(created.id);
    expect((await azure.files.retrieve(created.id)).bytes).toBe(content.length);
    expect((await azure.files.delete(created.id)).deleted).toBe(true);
    await expect(azure.files.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it("answers Azure's 404 for unknown paths and for classic paths without api-version", async () => {
    const unknown = await fetch(
      `${sim.url}/openai/deployments/gpt-4o/nope?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": API_KEY },
      },
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: "404", message: "Resource not found" } });
    const noVersion = await fetch(`${sim.url}/openai/deployments/gpt-4o/chat/completions`, {
      method: "POST",
      headers: { "api-key": API_KEY, "content-type": "application/json" },
      body: JSON.stringify({ messages }),
    });
    expect(noVersion.status).toBe(404);
  });

  it("answers 400 for a malformed JSON body", async () => {
    const res = await fetch(
      `${sim.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": API_KEY, "content-type": "application/json" },
        body: "{not json",
      },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BadRequest");
  });
});

describe("authentication", () => {
  it("rejects a wrong key with Azure's 401", async () => {
    const wrong = new AzureOpenAI({
      endpoint: sim.url,
      apiKey: "wrong",
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
    });
    const error = await wrong.chat.completions
      .create({ model: "gpt-4o", messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).message).toContain(
      "Access denied",
    );
  });

  it("accepts Authorization: Bearer", async () => {
    const res = await fetch(`${sim.url}/openai/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "ada", input: "x", dimensions: 4 }),
    });
    expect(res.status).toBe(200);
  });
});

describe("faults", () => {
  it("answers a 429 with retry-after headers", async () => {
    const error = await azure.chat.completions
      .create({ model: "gpt-4o", messages }, { headers: { "x-simulator-status": "429" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers?.get("retry-after")).toBe("1");
    expect(rateLimit.headers?.get("retry-after-ms")).toBe("1000");
    expect(rateLimit.message).toContain(
      "ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21",
    );
  });

  it("answers 500 with Azure's InternalServerError", async () => {
    const error = await azure.embeddings
      .create({ model: "ada", input: "x" }, { headers: { "x-simulator-status": "500" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).code).toBe(
      "InternalServerError",
    );
  });

  it("delays the headers and reshapes the stream", async () => {
    const started = performance.now();
    const stream = await azure.chat.completions.create(
      { model: "gpt-4o", messages, stream: true },
      {
        headers: {
          "x-simulator-delay-ms": "60",
          "x-simulator-chunks": "3",
          "x-simulator-chunk-delay-ms": "0",
        },
      },
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    let content = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) content++;
    expect(content).toBe(3);
  });

  it("drops the connection mid-stream: the SDK's iteration rejects", async () => {
    const stream = await azure.chat.completions.create(
      { model: "gpt-4o", messages, stream: true },
      { headers: { "x-simulator-drop-after-chunks": "4", "x-test-marker": "drop-mid" } },
    );
    let received = 0;
    await expect(
      (async () => {
        for await (const _ of stream) received++;
      })(),
    ).rejects.toThrow();
    expect(received).toBe(4);
    const record = await waitForRecord("drop-mid", (r) => r.outcome !== "in-progress");
    expect(record.outcome).toBe("dropped");
    expect(record.chunksSent).toBe(4);
  });

  it("resets the connection before any byte with drop-after-chunks 0", async () => {
    const error = await azure.chat.completions
      .create({ model: "gpt-4o", messages }, { headers: { "x-simulator-drop-after-chunks": "0" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it("rejects a malformed fault header with a 400 naming it", async () => {
    const error = await azure.chat.completions
      .create({ model: "gpt-4o", messages }, { headers: { "x-simulator-delay-ms": "soon" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain("x-simulator-delay-ms");
  });

  it("ignores fault headers when faults are off", async () => {
    const plain = await startSimulator({ chunkDelayMs: 0 });
    try {
      const client = new OpenAI({
        baseURL: `${plain.url}/openai/v1`,
        apiKey: "anything",
        maxRetries: 0,
      });
      const data = await client.chat.completions.create(
        { model: "gpt-4o", messages },
        { headers: { "x-simulator-status": "500", "x-simulator-chunks": "2" } },
      );
      expect(data.choices[0]?.message.content?.split(" ")).toHaveLength(8);
    } finally {
      await plain.close();
    }
  });
});

describe("request log", () => {
  it("records a client abort and stops streaming", async () => {
    const controller = new AbortController();
    const stream = await azure.chat.completions.create(
      { model: "gpt-4o", messages, stream: true },
      {
        signal: controller.signal,
        headers: { "x-test-marker": "abort", "x-simulator-chunks": "50" },
      },
    );
    let received = 0;
    for await (const _ of stream) {
      if (++received === 3) controller.abort();
    }
    const record = await waitForRecord("abort", (r) => r.outcome !== "in-progress");
    expect(record.outcome).toBe("client-aborted");
    const sent = record.chunksSent;
    expect(sent).toBeLessThan(50);
    // No timer survives the abort: after a request that outlasts several chunk delays has
    // completed, the aborted stream's count has not moved.
    await azure.embeddings.create(
      { model: "ada", input: "x", dimensions: 4 },
      { headers: { "x-simulator-delay-ms": String(CHUNK_DELAY_MS * 4) } },
    );
    const again = await waitForRecord("abort", () => true);
    expect(again.chunksSent).toBe(sent);
  });

  it("records method, path, query, headers and body digest, and clears", async () => {
    const body = { model: "gpt-4o", messages };
    await azure.chat.completions.create(body, {
      headers: { "x-ms-client-request-id": "decision-123", "x-test-marker": "log" },
    });
    const record = await waitForRecord("log", (r) => r.outcome === "completed");
    expect(record.method).toBe("POST");
    expect(record.path).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(record.query).toEqual({ "api-version": "2024-10-21" });
    expect(record.headers["api-key"]).toBe(API_KEY);
    expect(record.headers["x-ms-client-request-id"]).toBe("decision-123");
    const sent = JSON.stringify(body);
    expect(record.bodyBytes).toBe(Buffer.byteLength(sent));
    expect(record.bodySha256).toBe(createHash("sha256").update(sent).digest("hex"));
    expect(record.json).toEqual(body);
    expect(sim.requests().at(-1)?.id).toBe(record.id);

    const del = await fetch(`${sim.url}/_simulator/requests`, { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(await recorded()).toEqual([]);
  });

  it("echoes x-ms-client-request-id", async () => {
    const { response } = await azure.embeddings
      .create(
        { model: "ada", input: "x", dimensions: 4 },
        { headers: { "x-ms-client-request-id": "abc" } },
      )
      .withResponse();
    expect(response.headers.get("x-ms-client-request-id")).toBe("abc");
  });
});
