import exifr from "exifr";
import { describe, expect, it } from "vitest";
import { readTiffTags } from "../../../src/pipeline/classify-request/images/tiff-tags.js";
import { type TiffTags, tiff } from "../../fixtures/images/make-fixtures.js";

const IFD0 = [0x010f, 0x0110, 0xc62f];
const EXIF = [0x9003, 0x9011, 0xa431];

/** exifr's options as the gateway used them (numeric tags, raw values). */
const EXIFR_OPTIONS = {
  tiff: true,
  ifd0: { pick: IFD0 },
  exif: { pick: EXIF },
  ifd1: false,
  gps: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  makerNote: false,
  userComment: false,
  translateKeys: false,
  translateValues: false,
  reviveValues: false,
  mergeOutput: true,
  silentErrors: true,
  chunked: false,
};

/** What exifr, as the gateway called it before, reads of the six tags (strings only). */
async function viaExifr(block: Uint8Array): Promise<Record<number, string>> {
  let out: Record<number, unknown> | undefined;
  try {
    out = await exifr.parse(Uint8Array.from(block), EXIFR_OPTIONS);
  } catch {
    out = undefined;
  }
  const strings: Record<number, string> = {};
  for (const tag of [...IFD0, ...EXIF]) {
    const v = out?.[tag];
    if (typeof v === "string") strings[tag] = v;
  }
  return strings;
}

interface RawEntry {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

/** A TIFF block from raw entries (any tag, type, count), IFD0 then the EXIF IFD. */
function rawTiff(ifd0: RawEntry[], exif: RawEntry[], le = false): Buffer {
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    le ? b.writeUInt16LE(v) : b.writeUInt16BE(v);
    return b;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    le ? b.writeUInt32LE(v) : b.writeUInt32BE(v);
    return b;
  };
  const size = (n: number) => 2 + n * 12 + 4;
  const extra = (es: RawEntry[]) =>
    es.reduce((s, e) => s + (e.data.length > 4 ? e.data.length : 0), 0);
  const withPointer =
    exif.length > 0 ? [...ifd0, { tag: 0x8769, type: 4, count: 1, data: Buffer.alloc(4) }] : ifd0;
  const exifAt = 8 + size(withPointer.length) + extra(withPointer);
  const write = (es: RawEntry[], at: number): Buffer[] => {
    let cursor = at + size(es.length);
    const head: Buffer[] = [u16(es.length)];
    const data: Buffer[] = [];
    for (const e of es) {
      let value: Buffer;
      if (e.tag === 0x8769) value = u32(exifAt);
      else if (e.data.length <= 4) value = Buffer.concat([e.data, Buffer.alloc(4 - e.data.length)]);
      else {
        value = u32(cursor);
        data.push(e.data);
        cursor += e.data.length;
      }
      head.push(u16(e.tag), u16(e.type), u32(e.count), value);
    }
    head.push(u32(0));
    return [...head, ...data];
  };
  return Buffer.concat([
    Buffer.from(le ? "II" : "MM", "latin1"),
    u16(42),
    u32(8),
    ...write(withPointer, 8),
    ...(exif.length > 0 ? write(exif, exifAt) : []),
  ]);
}

const ascii = (tag: number, text: string): RawEntry => {
  const data = Buffer.from(`${text}\0`, "utf8");
  return { tag, type: 2, count: data.length, data };
};

const FIXTURES: Buffer[] = [
  ...(
    [
      { make: "Axon", model: "Axon Body 3", dateTimeOriginal: "2024:05:01 13:45:10" },
      { make: "DJI", model: "FC3170", littleEndian: true },
      { make: "Axon", dateTimeOriginal: "2024:05:01 13:45:10", offsetTimeOriginal: "-05:00" },
      { model: "X", bodySerialNumber: "SN-123456", littleEndian: true },
      { make: "", model: "   " },
      { dateTimeOriginal: "0000:00:00 00:00:00" },
      {},
    ] satisfies TiffTags[]
  ).map((t) => tiff(t)),
  rawTiff(
    [ascii(0x010f, "Getac"), ascii(0xc62f, "CAM-77")],
    [ascii(0x9003, "2023:01:02 03:04:05")],
  ),
  rawTiff([ascii(0x010f, "Ké\u00e9 \u65e5\u672c")], [], true),
  rawTiff([ascii(0x010f, "Axon\0\0\0"), ascii(0x010f, "Second")], []),
  // A make stored as bytes (type 7) and a model as a number: not strings, absent in both.
  rawTiff(
    [
      { tag: 0x010f, type: 7, count: 4, data: Buffer.from("Axon") },
      { tag: 0x0110, type: 3, count: 1, data: Buffer.from([0, 7]) },
    ],
    [ascii(0xa431, "abc")],
  ),
];

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("readTiffTags", () => {
  it("reads what exifr reads on the fixtures", async () => {
    for (const block of FIXTURES) {
      expect(readTiffTags(block, IFD0, EXIF)).toEqual(await viaExifr(block));
    }
  });

  it("never throws on corrupt blocks, and agrees with every tag exifr still reads", async () => {
    const random = prng(14);
    let compared = 0;
    for (const block of FIXTURES) {
      for (let round = 0; round < 150; round++) {
        const bad = Buffer.from(block);
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++) {
          bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
        }
        const cut = random() < 0.3 ? bad.subarray(0, Math.floor(random() * bad.length)) : bad;
        const ours = readTiffTags(cut, IFD0, EXIF) as Record<number, string>;
        const theirs = await viaExifr(cut);
        for (const [tag, value] of Object.entries(theirs)) {
          expect(ours[Number(tag)]).toBe(value);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it("reads nothing from what is not TIFF", () => {
    expect(readTiffTags(Buffer.from("not a tiff block"), IFD0, EXIF)).toEqual({});
    expect(readTiffTags(Buffer.alloc(4), IFD0, EXIF)).toEqual({});
  });
});
