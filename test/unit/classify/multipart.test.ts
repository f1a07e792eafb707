import { describe, expect, it } from "vitest";
import { loadCameraCatalogue } from "../../../src/pipeline/classify-request/images/camera-catalogue.js";
import { createExifReader } from "../../../src/pipeline/classify-request/images/exif.js";
import {
  inspectMultipartImagePart,
  MULTIPART_PREFIX_BYTES,
} from "../../../src/pipeline/classify-request/images/multipart.js";
import { jpeg, png, webp } from "../../fixtures/images/make-fixtures.js";

const reader = createExifReader({ catalogue: loadCameraCatalogue("config/cameras.yaml") });

describe("inspectMultipartImagePart", () => {
  it("recognises an image part by its bytes and reads EXIF from the prefix", async () => {
    const bytes = jpeg({ tags: { make: "Getac", model: "BC-04" }, scanBytes: 200_000 });
    const part = inspectMultipartImagePart(
      { name: "image[]", filename: "a.bin", contentType: "application/octet-stream" },
      bytes.subarray(0, MULTIPART_PREFIX_BYTES),
      reader,
    );
    expect(part?.image).toMatchObject({
      origin: "inline",
      format: "jpeg",
      where: "multipart:image[]",
    });
    expect(part?.image.exif).toMatchObject({ source: "body-worn", catalogueId: "getac-body-worn" });
  });

  it("trusts an image content type when the bytes match no signature", () => {
    const part = inspectMultipartImagePart(
      { name: "mask", contentType: "image/png; q=1" },
      Buffer.from("????"),
    );
    expect(part).toEqual({
      image: { origin: "inline", format: "png", bytes: 0, where: "multipart:mask" },
    });
  });

  it("ignores parts that are not images", () => {
    expect(inspectMultipartImagePart({ name: "prompt" }, Buffer.from("a cat"))).toBeUndefined();
    expect(
      inspectMultipartImagePart(
        { name: "file", contentType: "application/jsonl" },
        Buffer.from("{}"),
      ),
    ).toBeUndefined();
  });

  it("has no EXIF for a PNG without it or a WebP whose EXIF is past the prefix", () => {
    expect(inspectMultipartImagePart({ name: "image" }, png(), reader)?.image.exif).toBeUndefined();
    const far = webp({ tags: { make: "DJI", model: "M3T" }, vp8Bytes: 200_000 });
    const part = inspectMultipartImagePart(
      { name: "image" },
      far.subarray(0, MULTIPART_PREFIX_BYTES),
      reader,
    );
    expect(part?.image.format).toBe("webp");
    expect(part?.image.exif).toBeUndefined();
  });
});
