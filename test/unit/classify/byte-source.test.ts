import { describe, expect, it } from "vitest";
import { Base64Data } from "../../../src/pipeline/classify-request/images/byte-source.js";
import { parseDataUrl } from "../../../src/pipeline/classify-request/images/data-url.js";

describe("Base64Data", () => {
  it("computes the decoded size from the length, with and without padding", () => {
    for (let n = 1; n <= 40; n++) {
      const bytes = Buffer.alloc(n, 0xab);
      const padded = bytes.toString("base64");
      const unpadded = padded.replace(/=+$/, "");
      expect(new Base64Data(padded).byteLength).toBe(n);
      expect(new Base64Data(unpadded).byteLength).toBe(n);
      expect(new Base64Data(bytes.toString("base64url")).byteLength).toBe(n);
    }
  });

  it("reads any window without decoding the rest", () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const data = new Base64Data(`data:x;base64,${bytes.toString("base64")}`, 14);
    for (const [offset, length] of [
      [0, 4],
      [1, 1],
      [2, 7],
      [997, 3],
      [998, 10],
      [500, 0],
    ] as const) {
      expect(Buffer.from(data.read(offset, length) ?? [])).toEqual(
        bytes.subarray(offset, offset + length),
      );
    }
    expect(data.read(1000, 4)).toEqual(new Uint8Array(0));
  });

  it("tolerates line-wrapped base64", () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    const wrapped = bytes
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n")
      .trim();
    const data = new Base64Data(wrapped);
    expect(data.invalid).toBeUndefined();
    expect(data.byteLength).toBe(300);
    expect(Buffer.from(data.read(200, 50)!)).toEqual(bytes.subarray(200, 250));
  });

  it("reports impossible lengths, bad characters and empty data", () => {
    expect(new Base64Data("").invalid).toBe("empty image data");
    expect(new Base64Data("QUJDR").invalid).toBe("base64 length is not valid");
    expect(new Base64Data("QUJ=").invalid).toBeUndefined();
    expect(new Base64Data("QU==").invalid).toBeUndefined();
    expect(new Base64Data("QUJD=").invalid).toBe("base64 length is not valid");
    expect(new Base64Data("QUJD!!!!").invalid).toBe("invalid base64 character");
    // Only what is read is checked: a bad character midway shows when its window is read.
    const midway = new Base64Data(`${"QUJD".repeat(50)}${"%".repeat(8)}${"QUJD".repeat(50)}`);
    expect(midway.invalid).toBeUndefined();
    expect(midway.read(0, 3)).toBeDefined();
    expect(midway.read(150, 6)).toBeUndefined();
    expect(midway.invalid).toBe("invalid base64 character");
  });
});

describe("Base64Data over bytes", () => {
  /** The same payload as a string and as a byte range inside a larger buffer. */
  const both = (payload: string) => {
    const host = Buffer.from(`{"url":"data:x;base64,${payload}"}`, "latin1");
    const start = host.indexOf(",") + 1;
    return [new Base64Data(payload), new Base64Data(host, start, start + payload.length)] as const;
  };

  it("reads, sizes and validates exactly as over the string", () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
    const payloads = [
      bytes.toString("base64"),
      bytes.toString("base64").replace(/=+$/, ""),
      bytes.toString("base64url"),
      bytes.subarray(0, 998).toString("base64"),
      bytes.toString("base64").replace(/(.{76})/g, "$1 "),
      "",
      "QUJD=",
      "QUJD!!!!",
      `${"QUJD".repeat(50)}${"%".repeat(8)}${"QUJD".repeat(50)}`,
    ];
    for (const payload of payloads) {
      const [text, raw] = both(payload);
      expect([raw.byteLength, raw.invalid], payload.slice(0, 20)).toEqual([
        text.byteLength,
        text.invalid,
      ]);
      for (const [offset, length] of [
        [0, 12],
        [1, 5],
        [149, 9],
        [500, 100],
        [997, 10],
      ] as const) {
        const a = text.read(offset, length);
        const b = raw.read(offset, length);
        expect(b === undefined ? undefined : Buffer.from(b)).toEqual(
          a === undefined ? undefined : Buffer.from(a),
        );
      }
      expect(raw.invalid).toBe(text.invalid);
    }
  });
});

describe("parseDataUrl", () => {
  it("reads the header only", () => {
    expect(parseDataUrl("data:image/PNG;base64,AAAA")).toEqual({
      mediaType: "image/png",
      base64: true,
      payloadStart: 22,
    });
    expect(parseDataUrl("data:image/jpeg;name=a.jpg;base64,AAAA")).toMatchObject({ base64: true });
    expect(parseDataUrl("data:,hello")).toEqual({
      mediaType: "text/plain",
      base64: false,
      payloadStart: 6,
    });
    expect(parseDataUrl("data:image/png;base64")).toEqual({ invalid: "malformed data url" });
    expect(parseDataUrl(`data:${"x".repeat(600)},`)).toEqual({ invalid: "malformed data url" });
  });
});
