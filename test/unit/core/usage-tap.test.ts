import { describe, expect, it } from "vitest";
import { extractUsage, UsageTap } from "../../../src/pipeline/forward/usage-tap.js";

/** Feeds `body` to a tap in chunks of `size` bytes (the whole body when `size` is omitted). */
function tapped(body: string | Buffer, size?: number) {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const tap = new UsageTap();
  const step = size ?? Math.max(bytes.length, 1);
  for (let i = 0; i < bytes.length; i += step) tap.push(bytes.subarray(i, i + step));
  return tap.usage();
}

const sse = (events: unknown[]) =>
  `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("")}data: [DONE]\n\n`;

const chunk = (content: string, usage: unknown = null, extra: object = {}) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  choices: content === "" ? [] : [{ index: 0, delta: { content }, finish_reason: null }],
  usage,
  ...extra,
});

const chatJson = JSON.stringify({
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there" } }],
  created: 1,
  id: "chatcmpl-1",
  model: "gpt-4o",
  object: "chat.completion",
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
  usage: {
    completion_tokens: 9,
    completion_tokens_details: { reasoning_tokens: 0 },
    prompt_tokens: 17,
    prompt_tokens_details: { cached_tokens: 0 },
    total_tokens: 26,
  },
});

const embeddingsJson = JSON.stringify({
  object: "list",
  data: [{ object: "embedding", index: 0, embedding: [0.1, -0.2, 0.3] }],
  model: "text-embedding-3-small",
  usage: { prompt_tokens: 8, total_tokens: 8 },
});

const chatStream = sse([
  { choices: [], prompt_filter_results: [{ prompt_index: 0 }] },
  chunk("Hel"),
  chunk("lo"),
  chunk(""),
  chunk("", { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 }),
]);

const responsesStream = [
  'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","status":"in_progress","usage":null}}\n\n',
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n',
  `event: response.completed\ndata: ${JSON.stringify({
    type: "response.completed",
    response: {
      id: "resp_1",
      status: "completed",
      output: [{ type: "message", content: [{ type: "output_text", text: "Hi" }] }],
      usage: {
        input_tokens: 30,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 35,
      },
      user: null,
      metadata: {},
    },
  })}\n\n`,
].join("");

describe("UsageTap / extractUsage", () => {
  it.each([
    ["chat JSON", chatJson, { promptTokens: 17, completionTokens: 9, totalTokens: 26 }],
    ["embeddings JSON", embeddingsJson, { promptTokens: 8, completionTokens: 0, totalTokens: 8 }],
    [
      "a chat stream with include_usage (final chunk; earlier chunks `usage: null`)",
      chatStream,
      { promptTokens: 11, completionTokens: 2, totalTokens: 13 },
    ],
    [
      "a Responses stream's response.completed with nested details",
      responsesStream,
      { promptTokens: 30, completionTokens: 5, totalTokens: 35 },
    ],
    [
      "a usage object followed by later `usage: null` chunks",
      sse([chunk("", { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }), chunk("x")]),
      { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
    ],
    [
      "usage without total_tokens",
      '{"usage": {"prompt_tokens": 5, "completion_tokens": 6}}',
      { promptTokens: 5, completionTokens: 6, totalTokens: 11 },
    ],
    [
      "whitespace around the colon",
      '{"usage"\n :\t {"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}',
      { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
    ],
    [
      "braces and quotes inside strings of the usage object",
      '{"usage":{"note":"} { \\"}\\" {{","prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}',
      { promptTokens: 2, completionTokens: 3, totalTokens: 5 },
    ],
    [
      "a model answer quoting a fake usage object before the real one",
      sse([
        chunk('{"usage": {"prompt_tokens": 999, "total_tokens": 999}}'),
        chunk("", { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 }),
      ]),
      { promptTokens: 4, completionTokens: 1, totalTokens: 5 },
    ],
    [
      "a model answer quoting a fake usage object after the real one",
      sse([
        chunk("", { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 }),
        chunk('"usage": {"prompt_tokens": 999, "total_tokens": 999}'),
      ]),
      { promptTokens: 4, completionTokens: 1, totalTokens: 5 },
    ],
  ])("reads %s", (_what, body, expected) => {
    expect(tapped(body)).toEqual(expected);
    expect(extractUsage(Buffer.from(body))).toEqual(expected);
  });

  it.each([
    ["an empty body", ""],
    ["a chat stream without include_usage", sse([chunk("Hel"), chunk("lo")])],
    ["an error body", '{"error":{"code":"429","message":"Rate limit"}}'],
    ["a usage object without token counts", '{"usage":{"foo":1}}'],
    ["negative counts", '{"usage":{"prompt_tokens":-1,"total_tokens":-1}}'],
    ["a cut-off usage object", '{"usage":{"prompt_tokens":1,"total_'],
    ["usage that is not an object", '{"usage":"lots"}'],
  ])("finds nothing in %s", (_what, body) => {
    expect(tapped(body)).toBeUndefined();
  });

  it("finds usage split across a chunk boundary, at every split point", () => {
    const body = Buffer.from(chatStream);
    const expected = { promptTokens: 11, completionTokens: 2, totalTokens: 13 };
    for (let at = 1; at < body.length; at++) {
      const tap = new UsageTap();
      tap.push(body.subarray(0, at));
      tap.push(body.subarray(at));
      expect(tap.usage(), `split at ${at}`).toEqual(expected);
    }
  });

  it.each([1, 7, 100, 1000, 4096, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 40_000])(
    "finds usage at the end of a 200 KiB stream pushed in %i-byte chunks",
    (size) => {
      const filler = Array.from({ length: 2000 }, (_, i) => chunk(`token ${i} `.padEnd(40, ".")));
      const body = sse([
        ...filler,
        chunk("", { prompt_tokens: 123, completion_tokens: 2000, total_tokens: 2123 }),
      ]);
      expect(body.length).toBeGreaterThan(200 * 1024);
      expect(tapped(body, size)).toEqual({
        promptTokens: 123,
        completionTokens: 2000,
        totalTokens: 2123,
      });
    },
  );

  it("forgets usage that scrolled out of the window (it only keeps the tail)", () => {
    const body = sse([
      chunk("", { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }),
      ...Array.from({ length: 2000 }, () => chunk("x".repeat(40))),
    ]);
    expect(tapped(body, 1000)).toBeUndefined();
  });

  it("reads a multi-byte UTF-8 answer split inside a character", () => {
    const body = Buffer.from(
      JSON.stringify({
        choices: [{ message: { content: "été 😀" } }],
        usage: { prompt_tokens: 1, total_tokens: 2 },
      }),
    );
    for (let at = 1; at < body.length; at++) {
      const tap = new UsageTap();
      tap.push(body.subarray(0, at));
      tap.push(body.subarray(at));
      expect(tap.usage()).toEqual({ promptTokens: 1, completionTokens: 0, totalTokens: 2 });
    }
  });
});
