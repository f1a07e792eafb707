import { request } from "node:http";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RecordedRequest,
  type RunningSimulator,
  startSimulator,
} from "../../src/simulator/index.js";
import { MultipartParser, multipartBoundary } from "../../src/simulator/multipart.js";

let sim: RunningSimulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ faults: true, chunks: 4, chunkDelayMs: 0 });
  client = new OpenAI({ baseURL: `${sim.url}/openai/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

async function waitFor(
  marker: string,
  predicate: (r: RecordedRequest) => boolean,
): Promise<RecordedRequest> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const found = sim.requests().find((r) => r.headers["x-test-marker"] === marker);
    if (found !== undefined && predicate(found)) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`request ${marker} never reached the expected state`);
}

describe("multipart parser", () => {
  const boundary = "----formdata-undici-0123456789";
  const body = Buffer.concat([
    Buffer.from(
      `preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n` +
        "Content-Type: application/octet-stream\r\n\r\n",
    ),
    // File bytes that contain a near-miss of the delimiter.
    Buffer.from(`\r\n--${boundary.slice(0, -1)}X and more\r\n`),
    Buffer.alloc(1000, 7),
    Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
  ]);
  const fileBytes = Buffer.byteLength(`\r\n--${boundary.slice(0, -1)}X and more\r\n`) + 1000;

  it.each([1, 2, 7, 64, body.length])("parses the same body fed %i bytes at a time", (step) => {
    const parser = new MultipartParser(boundary);
    for (let i = 0; i < body.length; i += step) parser.write(body.subarray(i, i + step));
    const form = parser.end();
    expect(form.fields).toEqual({ purpose: "batch" });
    expect(form.files).toEqual([
      {
        field: "file",
        filename: "a.bin",
        contentType: "application/octet-stream",
        bytes: fileBytes,
      },
    ]);
  });

  it("rejects a body without its closing boundary", () => {
    const parser = new MultipartParser(boundary);
    parser.write(body.subarray(0, body.length - 20));
    expect(() => parser.end()).toThrow(/closing boundary/);
  });

  it("reads quoted and bare boundaries", () => {
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe("a b");
    expect(multipartBoundary("multipart/form-data; boundary=xyz")).toBe("xyz");
    expect(multipartBoundary("application/json")).toBeUndefined();
  });
});

describe("more operations", () => {
  it("serves legacy completions", async () => {
    const completion = await client.completions.create({ model: "instruct", prompt: "Say hi" });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.text.split(" ")).toHaveLength(4);
    expect(completion.usage?.completion_tokens).toBe(4);
  });

  it("marks a Response cut by max_output_tokens as incomplete", async () => {
    const response = await client.responses.create({
      model: "gpt-4o",
      input: "hi",
      max_output_tokens: 2,
    });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details?.reason).toBe("max_output_tokens");
  });

  it("returns image URLs the simulator serves", async () => {
    const images = await client.images.generate({
      model: "dall-e-3",
      prompt: "x",
      n: 2,
      response_format: "url",
    });
    expect(images.data).toHaveLength(2);
    const url = images.data?.[0]?.url ?? "";
    const png = await fetch(url);
    expect(png.headers.get("content-type")).toBe("image/png");
  });

  it("edits images from multipart", async () => {
    const images = await client.images.edit({
      model: "gpt-image-1",
      prompt: "blur the faces",
      image: await toFile(Buffer.alloc(2000), "in.png", { type: "image/png" }),
    });
    expect(images.data?.[0]?.b64_json).toBeDefined();
  });

  it("translates audio as verbose_json", async () => {
    const result = await client.audio.translations.create({
      model: "whisper",
      file: await toFile(Buffer.alloc(64_000), "fr.mp3"),
      response_format: "verbose_json",
    });
    expect(result.text).toContain("translation of fr.mp3");
    expect((result as unknown as { duration: number }).duration).toBe(2);
  });

  it("speaks", async () => {
    const audio = await client.audio.speech.create({
      model: "tts",
      voice: "alloy",
      input: "hello",
    });
    expect(audio.headers.get("content-type")).toBe("audio/mpeg");
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("requires a model on the v1 path", async () => {
    const res = await fetch(`${sim.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(400);
  });
});

describe("aborts and backpressure", () => {
  it("records a client that leaves during the header delay, and answers nothing", async () => {
    const controller = new AbortController();
    const call = client.embeddings
      .create(
        { model: "ada", input: "x" },
        {
          signal: controller.signal,
          headers: { "x-simulator-delay-ms": "5000", "x-test-marker": "delay-abort" },
        },
      )
      .catch((e: unknown) => e);
    await waitFor("delay-abort", (r) => r.bodyBytes > 0);
    controller.abort();
    expect(await call).toBeInstanceOf(OpenAI.APIUserAbortError);
    const record = await waitFor("delay-abort", (r) => r.outcome !== "in-progress");
    expect(record.outcome).toBe("client-aborted");
  });

  it("stops writing while the client does not read, and finishes when it does", async () => {
    const total = 20_000;
    const body = JSON.stringify({
      model: "gpt-4o",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    const url = new URL(`${sim.url}/openai/v1/chat/completions`);
    const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-simulator-chunks": String(total),
          "x-test-marker": "backpressure",
        },
      });
      req.on("response", resolve).on("error", reject).end(body);
    });
    res.pause();
    // Wait until the writer stalls: two reads in a row with the same count, short of the end.
    let previous = -1;
    let stalled: RecordedRequest | undefined;
    for (let attempt = 0; attempt < 200 && stalled === undefined; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      const now = await waitFor("backpressure", () => true);
      if (now.chunksSent === previous) stalled = now;
      previous = now.chunksSent;
    }
    expect(stalled?.outcome).toBe("in-progress");
    expect(stalled?.chunksSent).toBeLessThan(total);
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      text = text.slice(-32) + chunk;
    });
    res.resume();
    await new Promise((resolve) => res.on("end", resolve));
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    const done = await waitFor("backpressure", (r) => r.outcome !== "in-progress");
    expect(done.outcome).toBe("completed");
    expect(done.chunksSent).toBe(total + 4);
  });
});
