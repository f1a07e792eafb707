import { describe, expect, it } from "vitest";
import { GatewayHttpError } from "../../../src/errors.js";
import { parseJsonBody } from "../../../src/pipeline/read-body/intake.js";
import {
  blobsOf,
  LARGE_BODY_BYTES,
  MIN_BLOB_BYTES,
  mayHoldBlobs,
  parseLargeJson,
  restoreBlobs,
  scanBlobs,
} from "../../../src/pipeline/read-body/large-json.js";

/** Deterministic pseudo-random numbers (LCG), so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

function base64Of(bytes: number, seed = 1): string {
  const r = rng(seed);
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = Math.floor(r() * 256);
  return b.toString("base64");
}

/** The parsed body with every placeholder replaced by the string it stands for. */
function resolve(body: unknown): unknown {
  const table = blobsOf(body);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return table?.get(v)?.text() ?? v;
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(body);
}

/** The strings of each range, as the scan found them. */
function tokens(raw: Buffer): string[] {
  const ranges = scanBlobs(raw) ?? [];
  const out: string[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    out.push(raw.toString("latin1", ranges[i]!, ranges[i]! + ranges[i + 1]!));
  }
  return out;
}

const B64 = base64Of(6000);
const URL = `data:image/jpeg;base64,${B64}`;

describe("scanBlobs", () => {
  it("finds long data URLs and bare base64 values, nothing else", () => {
    const body = {
      model: "gpt-4o",
      short: "data:image/png;base64,AAAA",
      messages: [{ content: [{ type: "image_url", image_url: { url: URL } }] }],
      file_data: B64,
      prose: `${"word ".repeat(2000)}`,
    };
    expect(tokens(Buffer.from(JSON.stringify(body)))).toEqual([URL, B64]);
  });

  it("matches only at the start of a string token, never inside another string", () => {
    // The same characters inside a text are escaped (`\"data:...`): not a token of their own.
    const text = `see "${URL}" and ${B64}`;
    const body = { a: text, b: [`"${URL}"`], c: `\\"${URL}` };
    const raw = Buffer.from(JSON.stringify(body));
    expect(tokens(raw)).toEqual([]);
    // Escaped quotes and backslashes before a real token do not shift the string state.
    const raw2 = Buffer.from(JSON.stringify({ a: 'x\\"y\\\\', b: '\\\\"', c: URL }));
    expect(tokens(raw2)).toEqual([URL]);
  });

  it("skips object keys, escaped strings, non-ASCII and control characters", () => {
    const keyed = Buffer.from(`{"${B64}" : 1, "v": "${B64}"}`);
    expect(tokens(keyed)).toEqual([B64]);
    const slashEscaped = Buffer.from(`{"v":"${B64.replace(/\//g, "\\/")}"}`);
    expect(B64.includes("/")).toBe(true);
    expect(tokens(slashEscaped)).toEqual([]);
    expect(tokens(Buffer.from(`{"v":"${B64}\u00e9"}`))).toEqual([]);
    for (const c of ["\t", "\u0001", "\u001f", "\u007f"]) {
      const at = 1000 + c.charCodeAt(0);
      const bad = `${B64.slice(0, at)}${c}${B64.slice(at)}`;
      expect(tokens(Buffer.from(`{"v":"${bad}"}`)), JSON.stringify(c)).toEqual([]);
    }
  });

  it("turns away a blob with any byte outside 0x20-0x7e, wherever it lies", () => {
    // Positions across the alignment head, the four-word steps, the tail and the 4,096-word
    // chunks of the accumulated check.
    const long = base64Of(60_000, 3);
    const positions = [0, 1, 2, 3, 4, 5, 15, 16, 17, 16_383, 16_384, 16_385, 16_388, 40_001];
    for (let p = long.length - 9; p < long.length; p++) positions.push(p);
    const good = Buffer.from(`{"v":"${long}"}`);
    expect(scanBlobs(good)).toEqual([6, long.length]);
    for (const at of positions) {
      for (const byte of [0x00, 0x09, 0x1f, 0x7f, 0x80, 0xc3, 0xff]) {
        const bad = Buffer.from(good);
        bad[6 + at] = byte;
        expect(scanBlobs(bad), `byte ${byte} at ${at}`).toEqual([]);
      }
      if (at < 64) continue; // the head decides whether a string is base64 at all
      const fine = Buffer.from(good);
      fine[6 + at] = 0x7e;
      expect(scanBlobs(fine), `~ at ${at}`).toEqual([6, long.length]);
    }
  });

  it("finds no token shorter than MIN_BLOB_BYTES", () => {
    const short = B64.slice(0, MIN_BLOB_BYTES - 1);
    const exact = B64.slice(0, MIN_BLOB_BYTES);
    expect(tokens(Buffer.from(JSON.stringify({ a: short, b: exact })))).toEqual([exact]);
  });

  it("gives up on an unterminated string", () => {
    expect(scanBlobs(Buffer.from(`{"v":"${B64}`))).toBeUndefined();
    expect(scanBlobs(Buffer.from(`{"v":"abc\\`))).toBeUndefined();
  });

  it("handles buffers at any byte offset (the word loop's alignment)", () => {
    const json = Buffer.from(JSON.stringify({ v: URL }));
    for (let shift = 0; shift < 8; shift++) {
      const host = Buffer.alloc(json.length + shift);
      json.copy(host, shift);
      expect(tokens(host.subarray(shift))).toEqual([URL]);
    }
  });
});

describe("mayHoldBlobs", () => {
  it("sees any long base64 run and turns prose away", () => {
    expect(mayHoldBlobs(Buffer.from(JSON.stringify({ v: URL })))).toBe(true);
    // The shortest blob, anywhere in the body.
    for (const pad of [0, 100, 1023, 1024, 5000]) {
      const body = { p: "x ".repeat(pad), v: B64.slice(0, MIN_BLOB_BYTES - 512) };
      expect(mayHoldBlobs(Buffer.from(JSON.stringify(body)))).toBe(true);
    }
    const prose = { messages: [{ role: "user", content: "the quick brown fox ".repeat(5000) }] };
    expect(mayHoldBlobs(Buffer.from(JSON.stringify(prose)))).toBe(false);
  });
});

/** A random JSON value mixing the strings that trouble a byte scanner. */
function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 6 : 9));
  const strings = [
    () => "plain text",
    () => 'quote " and backslash \\ and slash /',
    () => `"${URL.slice(0, 40)}`,
    () => "\u00e9t\u00e9 \u{1f600} \u4e2d\u6587",
    () => base64Of(4096 + Math.floor(r() * 3000), Math.floor(r() * 1000)),
    () => `data:image/png;base64,${base64Of(5000, Math.floor(r() * 1000))}`,
    () => `DATA:application/pdf;base64,${base64Of(5000, 3)}`,
    () => `${base64Of(5000, 4)}\\`,
    () => `${base64Of(5000, 5)}"`,
  ];
  switch (pick) {
    case 0:
      return Math.floor(r() * 1e6) / 7;
    case 1:
      return r() < 0.5 ? null : r() < 0.5;
    case 2:
    case 3:
    case 4:
    case 5:
      return strings[Math.floor(r() * strings.length)]!();
    case 6:
    case 7:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) {
        const key = r() < 0.1 ? base64Of(4200, i) : r() < 0.1 ? 'k"\\' : `k${i}`;
        o[key] = randomValue(r, depth + 1);
      }
      return o;
    }
  }
}

describe("parseLargeJson", () => {
  it("reads exactly as JSON.parse on random bodies, whitespace and escapes included", () => {
    const r = rng(42);
    let withBlobs = 0;
    for (let i = 0; i < 200; i++) {
      const body = { root: randomValue(r, 0), tail: randomValue(r, 1) };
      const text =
        r() < 0.5 ? JSON.stringify(body) : JSON.stringify(body, null, r() < 0.5 ? 2 : "\t");
      const raw = Buffer.from(text);
      const parsed = parseLargeJson(raw);
      if (parsed === undefined) continue;
      withBlobs++;
      expect(blobsOf(parsed)).toBeDefined();
      expect(resolve(parsed)).toEqual(JSON.parse(text));
    }
    expect(withBlobs).toBeGreaterThan(50);
  });

  it("parses whole when the body holds an escaped NUL (placeholders must stay unique)", () => {
    const placeholderLike = { a: "\u0000gwblob:0", v: URL };
    expect(parseLargeJson(Buffer.from(JSON.stringify(placeholderLike)))).toBeUndefined();
    const parsed = parseJsonBody(Buffer.from(JSON.stringify(placeholderLike)));
    expect(blobsOf(parsed)).toBeUndefined();
    expect(parsed).toEqual(placeholderLike);
  });

  it("does not take an ordinary string for a placeholder", () => {
    const parsed = parseLargeJson(Buffer.from(JSON.stringify({ v: URL, w: "gwblob:0" })));
    const table = blobsOf(parsed)!;
    expect(table.get("gwblob:0")).toBeUndefined();
    expect(table.get("\u0000gwblob:00")).toBeUndefined();
    expect(table.get("\u0000gwblob:1")).toBeUndefined();
    expect(table.get("\u0000gwblob:0")?.text()).toBe(URL);
  });

  it("leaves bodies without blobs, or whose root is not an object, to JSON.parse", () => {
    expect(parseLargeJson(Buffer.from(JSON.stringify({ a: "x ".repeat(20_000) })))).toBeUndefined();
    expect(parseLargeJson(Buffer.from(JSON.stringify(URL)))).toBeUndefined();
    const arr = parseLargeJson(Buffer.from(JSON.stringify([URL])));
    expect(resolve(arr)).toEqual([URL]);
  });
});

describe("parseJsonBody on large bodies", () => {
  const big = (s: string) => Buffer.from(s.padEnd(LARGE_BODY_BYTES + 10, " "));

  it("answers the small-body path's 400 for malformed JSON", () => {
    const cases = [
      `{"v":"${URL}"`, // unterminated object
      `{"v":"${URL}`, // unterminated string
      `{"v":"${URL}",}`, // trailing comma
      `{"v":"${B64.slice(0, 3000)}\t${B64.slice(3000)}"}`, // raw control character in a blob
      `{"v":"${URL}"} x`,
    ];
    for (const text of cases) {
      let err: unknown;
      try {
        parseJsonBody(big(text));
      } catch (e) {
        err = e;
      }
      expect(err, text.slice(-20)).toBeInstanceOf(GatewayHttpError);
      expect((err as GatewayHttpError).code).toBe("InvalidRequest");
      let expected: unknown;
      try {
        JSON.parse(big(text).toString());
      } catch (e) {
        expected = e;
      }
      expect(((err as GatewayHttpError).cause as Error).message).toBe((expected as Error).message);
    }
  });

  it("keeps a large body's base64 out of the parsed value", () => {
    const raw = big(JSON.stringify({ messages: [{ content: [{ image_url: { url: URL } }] }] }));
    const parsed = parseJsonBody(raw) as {
      messages: { content: { image_url: { url: string } }[] }[];
    };
    const url = parsed.messages[0]!.content[0]!.image_url.url;
    expect(url.length).toBeLessThan(32);
    expect(blobsOf(parsed)?.get(url)?.text()).toBe(URL);
  });
});

describe("restoreBlobs", () => {
  it("re-serialises byte for byte as the fully parsed body would", () => {
    const r = rng(7);
    for (let i = 0; i < 50; i++) {
      const body = {
        model: "gpt-4o",
        user_security_context: { application_name: "spoofed" },
        root: randomValue(r, 0),
        messages: [{ content: [{ type: "image_url", image_url: { url: URL } }] }],
      };
      const raw = Buffer.from(JSON.stringify(body, null, i % 2 ? 1 : undefined));
      const parsed = parseLargeJson(raw);
      expect(parsed).toBeDefined();
      const ctx = { application_name: "newsroom", source_ip: "127.0.0.1" };
      const out = restoreBlobs(
        parsed,
        Buffer.from(JSON.stringify({ ...(parsed as object), user_security_context: ctx })),
      );
      const expected = JSON.stringify({
        ...JSON.parse(raw.toString()),
        user_security_context: ctx,
      });
      expect(out.toString()).toBe(expected);
    }
  });

  it("returns the serialised body unchanged for a body without blobs", () => {
    const s = Buffer.from('{"a":"\\u0000gwblob:0"}');
    expect(restoreBlobs({ a: 1 }, s)).toBe(s);
    expect(restoreBlobs({ a: 1 }, undefined)).toBeUndefined();
  });
});
