import { describe, expect, it } from "vitest";
import type { ImageFormat } from "../../../src/pipeline/classify-request/facts.js";
import {
  Base64Data,
  BufferSource,
} from "../../../src/pipeline/classify-request/images/byte-source.js";
import { loadCameraCatalogue } from "../../../src/pipeline/classify-request/images/camera-catalogue.js";
import {
  createExifReader,
  exifDateToIso,
} from "../../../src/pipeline/classify-request/images/exif.js";
import { locateExif } from "../../../src/pipeline/classify-request/images/locate-exif.js";
import { sniffFormat } from "../../../src/pipeline/classify-request/images/sniff.js";
import { gif, jpeg, png, type TiffTags, webp } from "../../fixtures/images/make-fixtures.js";

const catalogue = loadCameraCatalogue("config/cameras.yaml");
const reader = createExifReader({ catalogue });
const AXON: TiffTags = {
  make: "Axon",
  model: "Axon Body 3",
  dateTimeOriginal: "2024:05:01 13:45:10",
};

function read(bytes: Buffer, format: ImageFormat) {
  return reader.read(new Base64Data(bytes.toString("base64")), format);
}

describe("EXIF of inline images", () => {
  it("reads make, model and capture time from a JPEG APP1 segment and maps the camera", async () => {
    expect(await read(jpeg({ tags: AXON }), "jpeg")).toEqual({
      make: "Axon",
      model: "Axon Body 3",
      capturedAt: "2024-05-01T13:45:10",
      source: "body-worn",
      catalogueId: "axon-body",
    });
  });

  it("reads little-endian TIFF, a JPEG without JFIF, and the capture time zone", async () => {
    const tags = { ...AXON, littleEndian: true, offsetTimeOriginal: "-05:00" };
    expect(await read(jpeg({ tags, jfif: false }), "jpeg")).toMatchObject({
      make: "Axon",
      capturedAt: "2024-05-01T13:45:10-05:00",
    });
  });

  it("reads a PNG eXIf chunk, before or after IDAT", async () => {
    const tags = { make: "DJI", model: "FC3170" };
    expect(await read(png({ tags }), "png")).toEqual({
      make: "DJI",
      model: "FC3170",
      source: "drone",
      catalogueId: "dji-consumer",
    });
    expect(await read(png({ tags, exifAfterIdat: true, idatChunks: 5 }), "png")).toMatchObject({
      model: "FC3170",
    });
  });

  it("reads ImageMagick's raw EXIF profile in tEXt and zTXt", async () => {
    for (const rawProfile of ["tEXt", "zTXt"] as const) {
      expect(await read(png({ tags: AXON, rawProfile }), "png")).toMatchObject({
        model: "Axon Body 3",
      });
    }
  });

  it("finds the WebP EXIF chunk written after the VP8 data", async () => {
    const bytes = webp({ tags: { make: "Skydio", model: "X10" }, vp8Bytes: 50_001 });
    expect(await read(bytes, "webp")).toEqual({
      make: "Skydio",
      model: "X10",
      source: "drone",
      catalogueId: "skydio",
    });
    expect(await read(webp({ tags: AXON, exifPrefix: true }), "webp")).toMatchObject({
      model: "Axon Body 3",
    });
  });

  it("returns no promise for a GIF or an image without EXIF", () => {
    expect(read(gif(), "gif")).toBeUndefined();
    expect(read(jpeg(), "jpeg")).toBeUndefined();
    expect(read(png(), "png")).toBeUndefined();
    expect(read(webp(), "webp")).toBeUndefined();
  });

  it("leaves source out for a camera the catalogue does not know", async () => {
    expect(await read(jpeg({ tags: { make: "Acme", model: "Z1" } }), "jpeg")).toEqual({
      make: "Acme",
      model: "Z1",
    });
  });

  it("survives truncated and corrupt containers", async () => {
    const full = jpeg({ tags: AXON });
    for (let cut = 0; cut < 120; cut += 3) {
      // Never throws, never rejects: a camera or nothing.
      await read(full.subarray(0, cut), "jpeg");
    }
    const broken = Buffer.from(full);
    broken.writeUInt16BE(0xffff, 20 + 10); // TIFF header of APP1 garbled
    expect(read(broken, "jpeg")).toBeUndefined();
    expect(
      read(Buffer.from("RIFF\xff\xff\xff\xffWEBPEXIF\xff\xff\xff\x7f", "latin1"), "webp"),
    ).toBeUndefined();
  });

  it("finds EXIF in a 20 MB image decoding only a few KiB of it", async () => {
    const big = webp({ tags: AXON, vp8Bytes: 20 * 1024 * 1024 }).toString("base64");
    const data = new Base64Data(big);
    let decoded = 0;
    const counting = {
      byteLength: data.byteLength,
      read(offset: number, length: number) {
        const out = data.read(offset, length);
        decoded += out?.length ?? 0;
        return out;
      },
    };
    const t0 = performance.now();
    const camera = await reader.read(counting, "webp");
    const ms = performance.now() - t0;
    expect(camera).toMatchObject({ model: "Axon Body 3" });
    expect(decoded).toBeLessThan(1024);
    expect(ms).toBeLessThan(50);
  });
});

describe("locateExif", () => {
  it("reads JPEG EXIF from a prefix buffer (multipart) and stops at SOS", () => {
    const bytes = jpeg({ tags: AXON, scanBytes: 10_000 });
    expect(locateExif(new BufferSource(bytes.subarray(0, 200)), "jpeg")).toBeDefined();
    const noExif = jpeg({ scanBytes: 10_000 });
    expect(locateExif(new BufferSource(noExif), "jpeg")).toBeUndefined();
  });
});

describe("sniffFormat", () => {
  it("recognises the four formats Azure accepts", () => {
    expect(sniffFormat(jpeg())).toBe("jpeg");
    expect(sniffFormat(png())).toBe("png");
    expect(sniffFormat(gif())).toBe("gif");
    expect(sniffFormat(webp())).toBe("webp");
    expect(sniffFormat(Buffer.from("%PDF-1.7"))).toBe("unknown");
    expect(sniffFormat(Buffer.from("RIFF0000WAVE"))).toBe("unknown");
  });
});

describe("exifDateToIso", () => {
  it("converts EXIF dates and drops blank ones", () => {
    expect(exifDateToIso("2024:05:01 13:45:10")).toBe("2024-05-01T13:45:10");
    expect(exifDateToIso("2024:05:01 13:45:10", "+02:00")).toBe("2024-05-01T13:45:10+02:00");
    expect(exifDateToIso("2024:05:01 13:45:10", "junk")).toBe("2024-05-01T13:45:10");
    expect(exifDateToIso("0000:00:00 00:00:00")).toBeUndefined();
    expect(exifDateToIso("    :  :     :  :  ")).toBeUndefined();
    expect(exifDateToIso(42)).toBeUndefined();
  });
});

describe("cost", () => {
  it("classifies a 100 KB inline JPEG with EXIF cheaply (printed, not asserted)", async () => {
    const { inspectJsonBody } = await import("../../../src/pipeline/read-body/inspect.js");
    const url = `data:image/jpeg;base64,${jpeg({ tags: AXON, scanBytes: 100_000 }).toString("base64")}`;
    const body = {
      model: "gpt-4o",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "describe" },
            { type: "image_url", image_url: { url } },
          ],
        },
      ],
    };
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        inspectJsonBody("chat.completions", body, reader);
      }
    };
    await run(2_000);
    const n = 10_000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(n);
    const cpu = process.cpuUsage(cpu0);
    const wallUs = ((performance.now() - t0) * 1000) / n;
    const cpuUs = (cpu.user + cpu.system) / n;
    const noExif = `data:image/jpeg;base64,${jpeg({ scanBytes: 100_000 }).toString("base64")}`;
    const plain = {
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: noExif } }] }],
    };
    const t1 = performance.now();
    for (let i = 0; i < n; i++) inspectJsonBody("chat.completions", plain, reader);
    const syncUs = ((performance.now() - t1) * 1000) / n;
    console.log(
      `100 KB JPEG with EXIF: ${cpuUs.toFixed(1)} us CPU, ${wallUs.toFixed(1)} us wall per request; without EXIF (sync path): ${syncUs.toFixed(1)} us`,
    );
    expect(cpuUs).toBeGreaterThan(0);
  });
});
