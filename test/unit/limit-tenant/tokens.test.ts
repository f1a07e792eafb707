/**
 * Token estimates for tenants' tokens-per-minute limits (src/pipeline/limit-tenant/tokens): text
 * counts cross-checked with the tokenizer and with the OpenAI cookbook's figures, chat framing
 * against gpt-tokenizer's own chat encoding, the tile and patch arithmetic against OpenAI's worked
 * examples, reservations for unknown sizes, the bounded estimate on large prompts, model names,
 * image headers and the output side.
 */
import {
  countTokens as cl100k,
  encodeChat as cl100kChat,
} from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k, encodeChat as o200kChat } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import {
  countTextTokens,
  type EstimateRequest,
  estimateTokens,
  FAMILIES,
  type FamilyId,
  imageDimensions,
  imageTokens,
  loadEncoding,
  maxImageTokens,
  modelFamily,
  patchCount,
  type TokenCounter,
  tileCount,
} from "../../../src/pipeline/limit-tenant/tokens/index.js";
import { SEGMENT_CHARS } from "../../../src/pipeline/limit-tenant/tokens/text-tokens.js";

const ORDINARY = { disallowedSpecial: new Set<string>() };

/** A deterministic uniform source (an LCG), so sampled estimates are reproducible. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** Wraps a counter, recording every piece it is handed. */
function spy(count: TokenCounter): { count: TokenCounter; pieces: string[] } {
  const pieces: string[] = [];
  return {
    pieces,
    count: (text) => {
      pieces.push(text);
      return count(text);
    },
  };
}

/** English prose of about `chars` characters, words varied so the merge cache does not hide cost. */
function prose(chars: number, seed = 1): string {
  const words = [
    "the",
    "officer",
    "reviewed",
    "footage",
    "from",
    "a",
    "camera",
    "mounted",
    "near",
    "station",
    "before",
    "noon",
    "and",
    "wrote",
    "report",
    "about",
    "vehicle",
    "seen",
    "leaving",
    "quickly",
    "while",
    "witnesses",
    "described",
    "weather",
    "conditions",
    "as",
    "clear",
    "with",
    "light",
    "traffic",
    "on",
    "main",
    "street",
    "number",
    "42",
    "then",
    "left",
    "for",
    "lunch.",
  ];
  const random = seeded(seed);
  const out: string[] = [];
  let length = 0;
  while (length < chars) {
    const word = words[Math.floor(random() * words.length)]!;
    out.push(word);
    length += word.length + 1;
  }
  return out.join(" ").slice(0, chars);
}

/** Chinese-like text without spaces: one piece for the encodings' pre-split. */
function han(chars: number, seed = 3): string {
  const random = seeded(seed);
  let s = "";
  for (let i = 0; i < chars; i++) s += String.fromCharCode(0x4e00 + Math.floor(random() * 3000));
  return s;
}

function request(overrides: Partial<EstimateRequest>): EstimateRequest {
  return { model: "gpt-4o", texts: [], images: [], defaultMaxOutputTokens: 0, ...overrides };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("text tokens", () => {
  // Figures from the OpenAI cookbook "How to count tokens with tiktoken", and the tokenizer.
  it.each([
    ["hello world", 2, 2],
    ["tiktoken is great!", 6, 6],
    ["2 + 2 = 4", 7, 7],
    ["お誕生日おめでとう", 8, 9],
    ["😀👍🏽", 4, 8],
    ["    indented\n\n\tcode();", 6, 6],
  ])("counts %j as %i (o200k_base) and %i (cl100k_base)", async (text, o200kCount, cl100kCount) => {
    expect(o200k(text)).toBe(o200kCount);
    expect(cl100k(text)).toBe(cl100kCount);
    const onGpt4o = await estimateTokens(request({ model: "gpt-4o", texts: [text] }));
    const onGpt4 = await estimateTokens(request({ model: "gpt-4", texts: [text] }));
    expect(onGpt4o.input).toBe(o200kCount);
    expect(onGpt4.input).toBe(cl100kCount);
    expect(onGpt4o.method.encoding).toBe("o200k_base");
    expect(onGpt4.method.encoding).toBe("cl100k_base");
  });

  it("counts special-token text as ordinary text instead of throwing", async () => {
    expect(() => o200k("a <|endoftext|> b")).toThrow(/special token/i);
    const estimate = await estimateTokens(request({ texts: ["a <|endoftext|> b"] }));
    expect(estimate.input).toBe(o200k("a <|endoftext|> b", ORDINARY));
    expect(estimate.input).toBe(9);
  });

  it("sums several texts", async () => {
    const estimate = await estimateTokens(
      request({ texts: ["hello world", "tiktoken is great!"] }),
    );
    expect(estimate.input).toBe(8);
  });

  it("tokenizes 12 KB of prose in pieces with exactly the tokenizer's count", async () => {
    const text = prose(12_000);
    const count = await loadEncoding("o200k_base");
    const watched = spy(count);
    const result = countTextTokens(watched.count, [text], 16 * 1024, Math.random);
    expect(result).toEqual({ tokens: o200k(text, ORDINARY), method: "tokenized" });
    expect(watched.pieces.length).toBeGreaterThan(12_000 / SEGMENT_CHARS);
    expect(Math.max(...watched.pieces.map((p) => p.length))).toBeLessThanOrEqual(SEGMENT_CHARS);
    expect(watched.pieces.join("")).toBe(text);
  });

  it("cuts text without spaces every 128 characters, adding at most one token per cut", async () => {
    const text = han(2000);
    const exact = o200k(text, ORDINARY);
    const count = await loadEncoding("o200k_base");
    const { tokens } = countTextTokens(count, [text], 16 * 1024, Math.random);
    expect(tokens).toBeGreaterThanOrEqual(exact);
    expect(tokens).toBeLessThanOrEqual(exact + Math.ceil(2000 / SEGMENT_CHARS));
  });

  it("never splits a surrogate pair between pieces", async () => {
    const text = "😀".repeat(300) + "x" + "👍🏽".repeat(200);
    const count = await loadEncoding("o200k_base");
    const watched = spy(count);
    countTextTokens(watched.count, [text], 16 * 1024, Math.random);
    expect(watched.pieces.join("")).toBe(text);
    for (const piece of watched.pieces) expect(piece).not.toMatch(LONE_SURROGATE);
  });

  it("counts 64 KiB of text without spaces in bounded time (one piece takes seconds)", async () => {
    const text = han(60_000, 11);
    const started = performance.now();
    const estimate = await estimateTokens(request({ texts: [text] }), {
      maxTokenizedChars: 64 * 1024,
    });
    expect(estimate.method.text).toBe("tokenized");
    expect(estimate.input).toBeGreaterThan(60_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("chat framing", () => {
  it("adds 4 tokens per message and 3 for the reply, as the encodings' chat format does", async () => {
    const one = [{ role: "user" as const, content: "hello world" }];
    const two = [{ role: "system" as const, content: "hi" }, ...one];
    const estimateOne = await estimateTokens(request({ texts: ["hello world"], messages: 1 }));
    const estimateTwo = await estimateTokens(
      request({ texts: ["hi", "hello world"], messages: 2 }),
    );
    expect(estimateOne.input).toBe(2 + 4 + 3);
    expect(estimateOne.input).toBe(o200kChat(one, "gpt-4o").length);
    expect(estimateTwo.input).toBe(3 + 8 + 3);
    expect(estimateTwo.input).toBe(o200kChat(two, "gpt-4o").length);
    const onGpt4 = await estimateTokens(
      request({ model: "gpt-4", texts: ["hello world"], messages: 1 }),
    );
    expect(onGpt4.input).toBe(cl100kChat(one, "gpt-4").length);
  });

  it("counts each role as one token, so 4 = the cookbook's 3 per message + the role", () => {
    for (const role of ["system", "developer", "user", "assistant", "tool", "function"]) {
      expect(o200k(role)).toBe(1);
      expect(cl100k(role)).toBe(1);
    }
  });

  it("adds nothing for non-chat calls (messages absent or 0)", async () => {
    expect((await estimateTokens(request({ texts: ["hello world"] }))).input).toBe(2);
    expect((await estimateTokens(request({ texts: ["hello world"], messages: 0 }))).input).toBe(2);
  });
});

describe("bounded text estimate", () => {
  it("samples a 1 MB prompt within 3% of its count, tokenizing only the budget", async () => {
    const text = prose(1024 * 1024, 5);
    const exact = o200k(text, ORDINARY);
    const count = await loadEncoding("o200k_base");
    const watched = spy(count);
    const result = countTextTokens(watched.count, [text], 16 * 1024, seeded(42));
    expect(result.method).toBe("sampled");
    expect(Math.abs(result.tokens - exact) / exact).toBeLessThan(0.03);
    const tokenized = watched.pieces.reduce((sum, piece) => sum + piece.length, 0);
    expect(tokenized).toBeLessThanOrEqual(16 * 1024);
    expect(tokenized).toBeGreaterThan(15 * 1024);
  });

  it("reports the sampled method through estimateTokens for a 1 MB prompt", async () => {
    const estimate = await estimateTokens(request({ texts: [prose(1024 * 1024, 6)] }), {
      random: seeded(7),
    });
    expect(estimate.method.text).toBe("sampled");
    expect(estimate.input).toBeGreaterThan(150_000);
    expect(estimate.input).toBeLessThan(250_000);
  });

  it("is not fooled by a cheap beginning: windows are spread over the whole text", async () => {
    // 256 KiB of spaces (about 2 Ki tokens) then 256 Ki characters of Han (about 500 Ki tokens).
    const texts = [" ".repeat(256 * 1024), han(256 * 1024, 9)];
    const count = await loadEncoding("o200k_base");
    const exact = countTextTokens(count, texts, Number.POSITIVE_INFINITY, Math.random).tokens;
    const sampled = countTextTokens(count, texts, 16 * 1024, seeded(1)).tokens;
    expect(Math.abs(sampled - exact) / exact).toBeLessThan(0.1);
    // A prefix of the budget would have seen only spaces.
    const prefix = countTextTokens(count, [texts[0]!.slice(0, 16 * 1024)], 16 * 1024, Math.random);
    expect((prefix.tokens * 512 * 1024) / (16 * 1024)).toBeLessThan(exact / 50);
  });

  it("cannot be aimed at: windows start at random places within their stretch", async () => {
    // 32 stretches of 32 KiB, each 1 KiB of spaces then Han: windows at fixed places (the start
    // of each stretch) would see spaces only.
    const stretch = " ".repeat(1024) + han(31 * 1024, 4);
    const texts = [stretch.repeat(32)];
    const count = await loadEncoding("o200k_base");
    const exact = countTextTokens(count, [stretch], Number.POSITIVE_INFINITY, Math.random).tokens;
    const sampled = countTextTokens(count, texts, 16 * 1024, seeded(5)).tokens;
    expect(Math.abs(sampled - 32 * exact) / (32 * exact)).toBeLessThan(0.15);
  });

  it("samples across many small texts (10,000 messages)", async () => {
    const texts = Array.from({ length: 10_000 }, (_, i) => prose(100, i + 1));
    const count = await loadEncoding("o200k_base");
    const exact = texts.reduce((sum, t) => sum + o200k(t, ORDINARY), 0);
    const result = countTextTokens(count, texts, 16 * 1024, seeded(3));
    expect(result.method).toBe("sampled");
    expect(Math.abs(result.tokens - exact) / exact).toBeLessThan(0.05);
  });

  it("tokenizes up to the budget exactly and samples one character beyond it", async () => {
    const count = await loadEncoding("o200k_base");
    const text = prose(4096, 8);
    expect(countTextTokens(count, [text], 4096, Math.random).method).toBe("tokenized");
    expect(countTextTokens(count, [`${text}x`], 4096, Math.random).method).toBe("sampled");
  });

  it("falls back to characters / 4 with a budget of 0", async () => {
    const estimate = await estimateTokens(request({ texts: ["abcdefghij", "k"] }), {
      maxTokenizedChars: 0,
    });
    expect(estimate.input).toBe(3);
    expect(estimate.method.text).toBe("characters");
  });

  it("is reproducible with a pinned random source", async () => {
    const texts = [prose(300_000, 12)];
    const a = await estimateTokens(request({ texts }), { random: seeded(99) });
    const b = await estimateTokens(request({ texts }), { random: seeded(99) });
    expect(a).toEqual(b);
  });
});

describe("tile images (gpt-4o and kin)", () => {
  const gpt4o = FAMILIES["gpt-4o"].image;

  it.each([
    [1024, 1024, 765], // OpenAI's example: 768 x 768, 4 tiles
    [2048, 4096, 1105], // OpenAI's example: 1024 x 2048, then 768 x 1536, 6 tiles
    [512, 512, 255],
    [128, 64, 255], // small images are not scaled up
    [4000, 3000, 765], // 2048 x 1536 -> 1024 x 768: 2 x 2
    [2049, 513, 1445], // 2048 x 513: 4 x 2 tiles (billed 1453 with 8 text tokens)
    [2050, 513, 765], // 2048 x 512: 4 x 1 (billed 773)
  ])("charges %i x %i at high detail %i tokens on gpt-4o", (width, height, tokens) => {
    expect(imageTokens(gpt4o, { width, height, detail: "high" })).toEqual({
      tokens,
      atMaximum: false,
    });
  });

  it("charges the base only at low detail, whatever the size (known or not)", () => {
    expect(imageTokens(gpt4o, { width: 4096, height: 4096, detail: "low" }).tokens).toBe(85);
    expect(imageTokens(gpt4o, { detail: "low" })).toEqual({ tokens: 85, atMaximum: false });
  });

  it("treats auto and absent detail as high", () => {
    expect(imageTokens(gpt4o, { width: 1024, height: 1024, detail: "auto" }).tokens).toBe(765);
    expect(imageTokens(gpt4o, { width: 1024, height: 1024 }).tokens).toBe(765);
  });

  it.each([
    ["gpt-4o-mini", 2833 + 4 * 5667],
    ["o1", 75 + 4 * 150],
    ["gpt-5", 70 + 4 * 140],
    ["gpt-4", 85 + 4 * 170],
    ["computer-use", 65 + 4 * 129],
  ] as const)("charges 1024 x 1024 on %s %i tokens", (family, tokens) => {
    expect(imageTokens(FAMILIES[family].image, { width: 1024, height: 1024 }).tokens).toBe(tokens);
  });

  it("reserves base + 8 tiles for an image of unknown size", () => {
    expect(imageTokens(gpt4o, { detail: "high" })).toEqual({
      tokens: 85 + 8 * 170,
      atMaximum: true,
    });
    expect(imageTokens(FAMILIES["gpt-4o-mini"].image, {}).tokens).toBe(2833 + 8 * 5667);
    expect(imageTokens(gpt4o, { width: 0, height: 100 }).atMaximum).toBe(true);
    expect(imageTokens(gpt4o, { width: Number.NaN, height: 100 }).atMaximum).toBe(true);
  });

  it("never counts more than 8 tiles, and some sizes reach 8", () => {
    let most = 0;
    for (let w = 16; w <= 9000; w += 97) {
      for (let h = 16; h <= 9000; h += 89) most = Math.max(most, tileCount(w, h));
    }
    expect(most).toBe(8);
    expect(tileCount(768, 2048)).toBe(8);
    expect(tileCount(2048, 768)).toBe(8);
  });
});

describe("patch images (gpt-4.1-mini, gpt-4.1-nano, o4-mini, gpt-5-mini, gpt-5-nano)", () => {
  it("counts OpenAI's examples: 1024 x 1024 = 1024 patches, 1800 x 2400 = 1452", () => {
    expect(patchCount(1024, 1024, 1536)).toBe(1024);
    expect(patchCount(1800, 2400, 1536)).toBe(1452);
    expect(patchCount(2400, 1800, 1536)).toBe(1452);
  });

  it.each([
    ["gpt-4.1-mini", 1024, 1024, 1659], // 1024 x 1.62 = 1658.88
    ["gpt-4.1-nano", 1024, 1024, 2520], // 1024 x 2.46 = 2519.04
    ["o4-mini", 1024, 1024, 1762], // 1024 x 1.72 = 1761.28
    ["gpt-4.1-nano", 1800, 2400, 3572], // 1452 x 2.46 = 3571.92
    ["gpt-4.1-mini", 480, 320, 243], // 150 x 1.62 is 243.00000000000003 in floats: still 243
    ["gpt-4.1-mini", 10, 10, 2], // one patch
  ] as const)("charges %s for %i x %i %i tokens", (family, width, height, tokens) => {
    expect(imageTokens(FAMILIES[family].image, { width, height })).toEqual({
      tokens,
      atMaximum: false,
    });
  });

  it("never exceeds 1536 patches, scaling large and odd sizes down", () => {
    for (let w = 100; w <= 12_000; w += 173) {
      for (let h = 100; h <= 12_000; h += 211) {
        expect(patchCount(w, h, 1536)).toBeLessThanOrEqual(1536);
      }
    }
    expect(patchCount(10_000, 10_000, 1536)).toBeGreaterThan(1400);
    expect(patchCount(1, 100_000, 1536)).toBe(1536);
  });

  it("ignores low detail on patch models", () => {
    const rule = FAMILIES["gpt-4.1-mini"].image;
    expect(imageTokens(rule, { width: 1024, height: 1024, detail: "low" }).tokens).toBe(1659);
  });

  it.each([
    ["gpt-4.1-mini", 2489], // 1536 x 1.62 = 2488.32
    ["gpt-4.1-nano", 3779], // 1536 x 2.46 = 3778.56
    ["o4-mini", 2642], // 1536 x 1.72 = 2641.92
  ] as const)("reserves the 1536-patch cap for %s images of unknown size: %i", (family, tokens) => {
    expect(imageTokens(FAMILIES[family].image, { detail: "low" })).toEqual({
      tokens,
      atMaximum: true,
    });
  });
});

describe("model families", () => {
  it.each([
    ["gpt-4o", "gpt-4o"],
    ["gpt-4o-2024-08-06", "gpt-4o"],
    ["GPT-4.1", "gpt-4o"],
    ["gpt-4.5-preview", "gpt-4o"],
    ["chatgpt-4o-latest", "gpt-4o"],
    ["gpt-4o-mini-2024-07-18", "gpt-4o-mini"],
    ["gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"],
    ["gpt-5-mini", "gpt-4.1-mini"],
    ["gpt-4.1-nano", "gpt-4.1-nano"],
    ["gpt-5-nano-2025-08-07", "gpt-4.1-nano"],
    ["o4-mini", "o4-mini"],
    ["o1-preview", "o1"],
    ["o3-2025-04-16", "o1"],
    ["o3-mini", "o1"],
    ["gpt-5", "gpt-5"],
    ["gpt-5-chat-latest", "gpt-5"],
    ["gpt-4", "gpt-4"],
    ["gpt-4-1106-preview", "gpt-4"],
    ["gpt-4-turbo-2024-04-09", "gpt-4"],
    ["gpt-35-turbo-16k", "gpt-4"],
    ["gpt-3.5-turbo-0125", "gpt-4"],
    ["computer-use-preview", "computer-use"],
  ] as const)("maps %s to %s", (model, family) => {
    expect(modelFamily(model)).toEqual({ family: FAMILIES[family], known: true });
  });

  it("uses cl100k_base for gpt-4 and gpt-35-turbo, o200k_base for the rest", () => {
    expect(modelFamily("gpt-35-turbo").family.encoding).toBe("cl100k_base");
    expect(modelFamily("gpt-4-turbo").family.encoding).toBe("cl100k_base");
    for (const model of ["gpt-4o", "gpt-4.1", "o1", "o3", "o4-mini", "gpt-5", "gpt-5-nano"]) {
      expect(modelFamily(model).family.encoding).toBe("o200k_base");
    }
  });

  it.each(["gpt-5.1", "prod-vision", "", "gpt-4o-realtime-preview", "o4-mini-deep-research"])(
    "gives the unknown name %j the default family",
    (model) => {
      expect(modelFamily(model)).toEqual({ family: FAMILIES.default, known: false });
    },
  );

  it("makes the default reserve at least any documented family but gpt-4o-mini", () => {
    const most = (id: FamilyId) => maxImageTokens(FAMILIES[id].image, "high");
    for (const id of Object.keys(FAMILIES) as FamilyId[]) {
      if (id !== "gpt-4o-mini") expect(most("default")).toBeGreaterThanOrEqual(most(id));
    }
    expect(most("default")).toBe(3779);
  });

  it("says so in the estimate when the model is unknown", async () => {
    const estimate = await estimateTokens(
      request({
        model: "my-deployment",
        texts: ["hello world"],
        images: [{}, { width: 1024, height: 1024 }],
      }),
    );
    expect(estimate.method).toEqual({
      family: "default",
      knownModel: false,
      encoding: "o200k_base",
      text: "tokenized",
      imagesAtMaximum: 1,
    });
    expect(estimate.input).toBe(2 + 3779 + 2520);
  });
});

describe("image dimensions", () => {
  function png(width: number, height: number): Buffer {
    const b = Buffer.alloc(33);
    Buffer.from("89504e470d0a1a0a", "hex").copy(b, 0);
    b.writeUInt32BE(13, 8);
    b.write("IHDR", 12, "latin1");
    b.writeUInt32BE(width, 16);
    b.writeUInt32BE(height, 20);
    b[24] = 8;
    b[25] = 2;
    return b;
  }

  function jpeg(width: number, height: number): Buffer {
    const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 255, width >> 8, width & 255];
    return Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      Buffer.from("ffe000104a46494600010100000100010000", "hex"),
      Buffer.from([...sof, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]),
      Buffer.from([0xff, 0xd9]),
    ]);
  }

  it("reads PNG, JPEG and GIF headers", () => {
    expect(imageDimensions(png(1024, 768))).toEqual({ width: 1024, height: 768 });
    expect(imageDimensions(jpeg(4032, 3024))).toEqual({ width: 4032, height: 3024 });
    const gif = Buffer.alloc(13);
    gif.write("GIF89a", 0, "latin1");
    gif.writeUInt16LE(320, 6);
    gif.writeUInt16LE(200, 8);
    expect(imageDimensions(new Uint8Array(gif))).toEqual({ width: 320, height: 200 });
  });

  it("returns undefined, never throws, for bytes that are not a sizable image", () => {
    expect(imageDimensions(new Uint8Array(0))).toBeUndefined();
    expect(imageDimensions(Buffer.from("not an image at all"))).toBeUndefined();
    expect(imageDimensions(png(0, 10))).toBeUndefined();
    expect(imageDimensions(jpeg(100, 100).subarray(0, 25))).toBeUndefined();
  });

  it("does not read past the end of a view into the bytes that follow it", () => {
    const truncated = png(1024, 768).subarray(0, 20); // the height is beyond the view
    expect(imageDimensions(truncated)).toBeUndefined();
  });
});

describe("output and totals", () => {
  it("uses maxOutputTokens when given, else the default, times the choices", async () => {
    const base = { texts: ["hello world"], defaultMaxOutputTokens: 4096 };
    expect((await estimateTokens(request({ ...base, maxOutputTokens: 300 }))).output).toBe(300);
    expect((await estimateTokens(request(base))).output).toBe(4096);
    expect(
      (await estimateTokens(request({ ...base, maxOutputTokens: 300, choices: 3 }))).output,
    ).toBe(900);
    expect((await estimateTokens(request({ ...base, choices: 2 }))).output).toBe(8192);
    expect((await estimateTokens(request({ ...base, maxOutputTokens: 0 }))).output).toBe(0);
  });

  it("ignores choices of 1 or less and invalid maxima", async () => {
    const base = { texts: [], defaultMaxOutputTokens: 1000 };
    expect((await estimateTokens(request({ ...base, choices: 1 }))).output).toBe(1000);
    expect((await estimateTokens(request({ ...base, choices: 0 }))).output).toBe(1000);
    expect((await estimateTokens(request({ ...base, maxOutputTokens: -5 }))).output).toBe(1000);
    expect((await estimateTokens(request({ ...base, maxOutputTokens: Number.NaN }))).output).toBe(
      1000,
    );
  });

  it("adds text, framing and images into input, and input and output into total", async () => {
    const estimate = await estimateTokens(
      request({
        model: "gpt-4o-2024-11-20",
        texts: ["You are a helpful assistant.", "What is in these images?"],
        messages: 2,
        images: [
          { width: 1024, height: 1024, detail: "high" },
          { detail: "auto" },
          { detail: "low" },
        ],
        maxOutputTokens: 500,
        defaultMaxOutputTokens: 4096,
      }),
    );
    const text = o200k("You are a helpful assistant.") + o200k("What is in these images?");
    expect(estimate.input).toBe(text + 2 * 4 + 3 + 765 + 1445 + 85);
    expect(estimate.output).toBe(500);
    expect(estimate.total).toBe(estimate.input + 500);
    expect(estimate.method).toMatchObject({
      family: "gpt-4o",
      knownModel: true,
      imagesAtMaximum: 1,
    });
  });

  it("loads each encoding once", () => {
    expect(loadEncoding("o200k_base")).toBe(loadEncoding("o200k_base"));
    expect(loadEncoding("cl100k_base")).not.toBe(loadEncoding("o200k_base"));
  });
});
