import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GatewayHttpError } from "../../../src/errors.js";
import {
  collectBody,
  type IntakeOptions,
  parseJsonBody,
} from "../../../src/pipeline/read-body/intake.js";

interface Collected {
  calls: { err: GatewayHttpError | null; body: Buffer | undefined }[];
}

/** Runs collectBody over `chunks`; resolves once the source has ended or failed. */
function collect(chunks: Buffer[], limit: number, failWith?: Error): Promise<Collected> {
  const source = new PassThrough();
  const result: Collected = { calls: [] };
  collectBody(source as unknown as IncomingMessage, options(limit), (err, body) => {
    result.calls.push({ err, body: body?.body });
  });
  return new Promise((resolve) => {
    source.on("end", () => setImmediate(() => resolve(result)));
    source.on("error", () => setImmediate(() => resolve(result)));
    for (const c of chunks) source.write(c);
    // Let the chunks flow first, as a client's bytes would before its connection breaks.
    setImmediate(() => (failWith ? source.destroy(failWith) : source.end()));
  });
}

const bytes = (n: number, fill = 0x61) => Buffer.alloc(n, fill);

function options(limit: number, more: Partial<IntakeOptions> = {}): IntakeOptions {
  return { limit, idleTimeoutMs: 60_000, totalTimeoutMs: 60_000, coding: null, ...more };
}

/** Runs collectBody over a source the test drives; resolves with the one callback. */
function collectOnce(source: PassThrough, opts: IntakeOptions) {
  return new Promise<{
    err: GatewayHttpError | null;
    body?: Buffer | undefined;
    wire?: number | undefined;
  }>((resolve) => {
    collectBody(source as unknown as IncomingMessage, opts, (err, body) =>
      resolve({ err, body: body?.body, wire: body?.wireBytes }),
    );
  });
}

describe("collectBody: timeouts and content codings", () => {
  it("answers 408 when no byte arrives for the idle timeout", async () => {
    const source = new PassThrough();
    source.write(bytes(3));
    const r = await collectOnce(source, options(100, { idleTimeoutMs: 20 }));
    expect(r.err?.code).toBe("RequestTimeout");
    expect(r.err?.message).toContain("stalled");
  });

  it("answers 408 when a trickling body exceeds the total timeout", async () => {
    const source = new PassThrough();
    const trickle = setInterval(() => source.write(bytes(1)), 5);
    const r = await collectOnce(
      source,
      options(10_000, { idleTimeoutMs: 1_000, totalTimeoutMs: 60 }),
    );
    clearInterval(trickle);
    expect(r.err?.code).toBe("RequestTimeout");
    expect(r.err?.message).toContain("longer than 60 ms");
  });

  it.each([["gzip", gzipSync] as const, ["br", brotliCompressSync] as const])(
    "decodes %s and counts wire bytes apart",
    async (coding, compress) => {
      const plain = Buffer.from(
        JSON.stringify({ messages: [{ role: "user", content: "x".repeat(5000) }] }),
      );
      const source = new PassThrough();
      const pending = collectOnce(source, options(10_000, { coding }));
      source.end(compress(plain));
      const r = await pending;
      expect(r.err).toBeNull();
      expect(r.body).toEqual(plain);
      expect(r.wire).toBeLessThan(plain.length);
    },
  );

  it("answers 413 when the decoded size crosses the limit (a compression bomb)", async () => {
    const source = new PassThrough();
    const pending = collectOnce(source, options(64 * 1024, { coding: "gzip" }));
    source.end(gzipSync(Buffer.alloc(10 * 1024 * 1024)));
    const r = await pending;
    expect(r.err?.code).toBe("RequestTooLarge");
  });

  it("answers 400 for bytes that do not decode", async () => {
    const source = new PassThrough();
    const pending = collectOnce(source, options(10_000, { coding: "gzip" }));
    source.end(Buffer.from("not gzip at all"));
    const r = await pending;
    expect(r.err?.code).toBe("InvalidRequest");
    expect(r.err?.param).toBe("content-encoding");
  });
});

describe("collectBody", () => {
  it.each([
    ["an empty body", [], 10, 0],
    ["one chunk under the limit", [bytes(5)], 10, 5],
    ["chunks exactly at the limit", [bytes(4), bytes(6)], 10, 10],
    ["many small chunks", Array.from({ length: 100 }, () => bytes(10)), 1000, 1000],
  ])("collects %s", async (_what, chunks, limit, size) => {
    const { calls } = await collect(chunks, limit);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.err).toBeNull();
    expect(calls[0]!.body).toEqual(Buffer.concat(chunks));
    expect(calls[0]!.body!.length).toBe(size);
  });

  it("keeps the bytes in order", async () => {
    const chunks = [Buffer.from('{"a":'), Buffer.from("[1,2,"), Buffer.from("3]}")];
    const { calls } = await collect(chunks, 1024);
    expect(calls[0]!.body!.toString()).toBe('{"a":[1,2,3]}');
  });

  it.each([
    ["one byte over the limit", [bytes(11)], 10],
    ["a limit crossed by the last chunk", [bytes(6), bytes(5)], 10],
    ["a limit crossed early, more chunks after", [bytes(20), bytes(1), bytes(1)], 10],
  ])("answers 413 once for %s", async (_what, chunks, limit) => {
    const { calls } = await collect(chunks, limit);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.err?.code).toBe("RequestTooLarge");
    expect(calls[0]!.err?.statusCode).toBe(413);
    expect(calls[0]!.err?.message).toContain(`${limit} bytes`);
    expect(calls[0]!.body).toBeUndefined();
  });

  it("answers 400 once when the client stream fails", async () => {
    const { calls } = await collect([bytes(3)], 10, new Error("aborted"));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.err?.code).toBe("InvalidRequest");
    expect(calls[0]!.err?.statusCode).toBe(400);
  });

  it("does not answer twice when the stream fails after the limit was hit", async () => {
    const { calls } = await collect([bytes(20)], 10, new Error("aborted"));
    expect(calls.map((c) => c.err?.code)).toEqual(["RequestTooLarge"]);
  });
});

describe("parseJsonBody", () => {
  it.each<[string, string, unknown]>([
    ["an object", '{"model":"gpt-4o","stream":true}', { model: "gpt-4o", stream: true }],
    ["an array", "[1,2]", [1, 2]],
    ["null", "null", null],
    ["surrounding whitespace", ' \n{"a":1}\n ', { a: 1 }],
    ["UTF-8 text", '{"content":"été 😀"}', { content: "été 😀" }],
  ])("parses %s", (_what, text, value) => {
    expect(parseJsonBody(Buffer.from(text))).toEqual(value);
  });

  it("reads an empty body as undefined", () => {
    expect(parseJsonBody(Buffer.alloc(0))).toBeUndefined();
  });

  it.each([
    ["truncated JSON", '{"model":"gpt-4o"'],
    ["a trailing comma", '{"a":1,}'],
    ["single quotes", "{'a':1}"],
    ["only whitespace", "   "],
    ["two documents", '{"a":1}{"b":2}'],
  ])("rejects %s with a 400 InvalidRequest", (_what, text) => {
    let caught: unknown;
    try {
      parseJsonBody(Buffer.from(text));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatewayHttpError);
    const err = caught as GatewayHttpError;
    expect(err.code).toBe("InvalidRequest");
    expect(err.statusCode).toBe(400);
    expect(err.cause).toBeInstanceOf(SyntaxError);
    expect(err.message).toBe("the request body is not valid JSON");
  });
});
