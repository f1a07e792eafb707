import { describe, expect, it } from "vitest";
import type { ImageFormat } from "../../../src/pipeline/classify-request/facts.js";
import {
  Base64Data,
  type ByteSource,
} from "../../../src/pipeline/classify-request/images/byte-source.js";
import { loadCameraCatalogue } from "../../../src/pipeline/classify-request/images/camera-catalogue.js";
import {
  createExifReader,
  exifDateToIso,
} from "../../../src/pipeline/classify-request/images/exif.js";
import { fieldsFromXmp } from "../../../src/pipeline/classify-request/images/text-fields.js";
import { gif, jpeg, png, tiff, webp } from "../../fixtures/images/make-fixtures.js";

const reader = createExifReader({ catalogue: loadCameraCatalogue("config/cameras.yaml") });

function read(bytes: Buffer, format: ImageFormat) {
  return reader.read(new Base64Data(bytes.toString("base64")), format);
}

const AXON_BODY = {
  make: "Axon",
  model: "Axon Body 4",
  source: "body-worn",
  catalogueId: "axon-body",
} as const;

const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
  xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:exifEX="http://cipa.jp/exif/1.0/"
  tiff:Make="Axon" exif:DateTimeOriginal="2024-05-01T13:45:10+01:00">
<tiff:Model>Axon Body 4</tiff:Model>
<exifEX:BodySerialNumber>X6031234A</exifEX:BodySerialNumber>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`;

describe("PNG text chunks", () => {
  it("reads Make and Model from tEXt chunks as ImageMagick writes them", async () => {
    const bytes = png({
      text: [
        { type: "tEXt", keyword: "date:create", text: "2024-05-01T12:00:00+00:00" },
        { type: "tEXt", keyword: "Make", text: "Axon" },
        { type: "tEXt", keyword: "Model", text: "Axon Body 4" },
      ],
    });
    expect(await read(bytes, "png")).toEqual(AXON_BODY);
  });

  it("reads exif:-prefixed keywords in zTXt and iTXt, with the capture time and serial", async () => {
    const bytes = png({
      text: [
        { type: "zTXt", keyword: "exif:Make", text: "Axon Enterprise, Inc." },
        { type: "iTXt", keyword: "exif:Model", text: "Axon Body 4", compressed: true },
        { type: "iTXt", keyword: "exif:DateTimeOriginal", text: "2024:05:01 13:45:10" },
        { type: "tEXt", keyword: "exif:OffsetTimeOriginal", text: "+01:00" },
        { type: "tEXt", keyword: "exif:BodySerialNumber", text: "X6031234A" },
      ],
      exifAfterIdat: true,
      idatChunks: 4,
    });
    expect(await read(bytes, "png")).toEqual({
      ...AXON_BODY,
      make: "Axon Enterprise, Inc.",
      serial: "X6031234A",
      capturedAt: "2024-05-01T13:45:10+01:00",
    });
  });

  it("reads an XMP packet in iTXt", async () => {
    const bytes = png({ text: [{ type: "iTXt", keyword: "XML:com.adobe.xmp", text: XMP }] });
    expect(await read(bytes, "png")).toEqual({
      ...AXON_BODY,
      serial: "X6031234A",
      capturedAt: "2024-05-01T13:45:10+01:00",
    });
  });

  it("prefers the eXIf chunk's tags and fills only what it lacks from text", async () => {
    const bytes = png({
      tags: { make: "Axon", model: "Axon Body 4" },
      text: [
        { type: "tEXt", keyword: "Model", text: "Axon Fleet 3" },
        { type: "tEXt", keyword: "exif:DateTimeOriginal", text: "2024:05:01 13:45:10" },
      ],
    });
    expect(await read(bytes, "png")).toEqual({ ...AXON_BODY, capturedAt: "2024-05-01T13:45:10" });
  });

  it("ignores text chunks that name no camera and survives corrupt ones", async () => {
    expect(read(png({ text: [{ type: "tEXt", keyword: "Comment", text: "hi" }] }), "png")).toBe(
      undefined,
    );
    const corrupt = png({ text: [{ type: "zTXt", keyword: "Make", text: "Axon" }] });
    // Garble the zlib stream of the zTXt chunk (after its 8-byte header, keyword, NUL, method).
    const at = corrupt.indexOf("zTXt") + 4 + "Make".length + 2;
    corrupt.fill(0xff, at, at + 6);
    expect(read(corrupt, "png")).toBeUndefined();
  });
});

describe("XMP in JPEG, WebP and GIF", () => {
  it("reads the JPEG APP1 XMP segment when there is no EXIF", async () => {
    expect(await read(jpeg({ xmp: XMP }), "jpeg")).toMatchObject({
      ...AXON_BODY,
      serial: "X6031234A",
    });
  });

  it("reads the WebP XMP chunk", async () => {
    expect(await read(webp({ xmp: XMP }), "webp")).toMatchObject(AXON_BODY);
  });

  it("reads a GIF's XMP application extension and comment, and never throws on a GIF", async () => {
    expect(await read(gif({ xmp: XMP }), "gif")).toMatchObject(AXON_BODY);
    expect(
      await read(gif({ comment: '<x tiff:Make="Axon" tiff:Model="Flex 2"/>' }), "gif"),
    ).toEqual({ make: "Axon", model: "Flex 2", source: "body-worn", catalogueId: "axon-flex" });
    expect(read(gif(), "gif")).toBeUndefined();
    const full = gif({ xmp: XMP });
    for (let cut = 0; cut < full.length; cut += 7) await read(full.subarray(0, cut), "gif");
  });

  it("reads the XMP of a GIF without touching its image data", () => {
    const bytes = gif({ xmp: XMP });
    const reads: number[] = [];
    const data = new Base64Data(bytes.toString("base64"));
    const counting: ByteSource = {
      byteLength: data.byteLength,
      read(offset, length) {
        reads.push(offset);
        return data.read(offset, length);
      },
    };
    reader.read(counting, "gif");
    const image = bytes.lastIndexOf(Buffer.from([0x2c, 0, 0, 0, 0]));
    expect(Math.max(...reads)).toBeLessThanOrEqual(image);
  });
});

describe("serial number and capture time", () => {
  it("reads EXIF BodySerialNumber from the TIFF block", async () => {
    const tags = { make: "Axon", model: "Axon Body 4", bodySerialNumber: "X6031234A" };
    expect(await read(jpeg({ tags }), "jpeg")).toEqual({ ...AXON_BODY, serial: "X6031234A" });
    expect(tiff(tags).includes("X6031234A")).toBe(true);
  });

  it("converts XMP dates, with and without their zone", () => {
    expect(exifDateToIso("2024-05-01T13:45:10Z")).toBe("2024-05-01T13:45:10+00:00");
    expect(exifDateToIso("2024-05-01T13:45:10.25-04:00")).toBe("2024-05-01T13:45:10-04:00");
    expect(exifDateToIso("2024-05-01T13:45:10")).toBe("2024-05-01T13:45:10");
  });

  it("takes the first value of each field and unescapes XML", () => {
    const fields = {};
    fieldsFromXmp('<a tiff:Make="A &amp; B"/><tiff:Make>C</tiff:Make>', fields);
    expect(fields).toEqual({ make: "A & B" });
  });
});
