import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CameraCatalogueError,
  compileCameraCatalogue,
  loadCameraCatalogue,
  normaliseMake,
} from "../../../src/pipeline/classify-request/images/camera-catalogue.js";

const shipped = loadCameraCatalogue("config/cameras.yaml");

describe("shipped camera catalogue", () => {
  it("loads and holds at least 60 entries", () => {
    expect(shipped.size).toBeGreaterThanOrEqual(60);
  });

  const cases: Array<[string | undefined, string | undefined, string | undefined, string?]> = [
    // make, model, expected source, expected id
    ["Axon", "Axon Body 3", "body-worn", "axon-body"],
    ["AXON ENTERPRISE, INC.", "Body 4", "body-worn", "axon-body"],
    ["Axon", "Axon Fleet 3", "dashcam", "axon-fleet"],
    ["Axon", "Flex 2", "body-worn", "axon-flex"],
    ["Axon", "Something New", "body-worn", "axon"],
    ["TASER International", "AB2", "body-worn", "axon-body"],
    ["Motorola Solutions, Inc.", "V300", "body-worn", "motorola-v-series"],
    ["Motorola Solutions", "VB400", "body-worn", "motorola-vb-series"],
    ["Motorola Solutions", "Si500", "body-worn", "motorola-si-series"],
    ["Motorola Solutions", "M500", "dashcam", "motorola-m500"],
    ["WatchGuard Video", "4RE", "dashcam", "watchguard-4re"],
    ["WatchGuard", "Vista XLT", "body-worn", "watchguard-vista"],
    ["motorola", "moto g(60)", "handheld", "motorola-mobility"],
    ["Motorola Solutions", "APX 8000", undefined],
    ["Getac", "BC-04", "body-worn", "getac-body-worn"],
    ["Getac", "VR-X20", "dashcam", "getac-in-car"],
    ["Panasonic", "Arbitrator 360 HD", "dashcam", "panasonic-arbitrator-360"],
    ["Panasonic", "DC-GH5", "handheld", "panasonic-lumix"],
    ["Digital Ally", "FirstVU Pro", "body-worn", "digital-ally-firstvu"],
    ["Digital Ally", "Laser Ally", "dashcam", "digital-ally-in-car"],
    ["DJI", "FC3170", "drone", "dji-consumer"],
    ["DJI", "FC7303", "drone", "dji-consumer"],
    ["DJI", "ZH20T", "drone", "dji-enterprise"],
    ["DJI", "M3T", "drone", "dji-enterprise"],
    ["DJI", "OsmoAction", "handheld", "dji-osmo"],
    ["SZ DJI Technology Co., Ltd.", "anything", "drone", "dji"],
    ["Hasselblad", "L2D-20c", "drone", "hasselblad-dji"],
    ["Hasselblad", "X2D 100C", undefined],
    ["Skydio", "X10", "drone", "skydio"],
    ["Parrot", "ANAFI USA", "drone", "parrot"],
    ["Apple", "iPhone 15 Pro", "handheld", "apple"],
    ["samsung", "SM-S911B", "handheld", "samsung"],
    ["Samsung Techwin", "SNP-6321", "fixed", "samsung-techwin"],
    ["AXIS", "P3245-LVE", "fixed", "axis"],
    ["AXIS", "W110", "body-worn", "axis-body-worn"],
    ["Hikvision", "DS-2CD2143G2-I", "fixed", "hikvision"],
    ["HIKVISION", "DS-MCW406", "body-worn", "hikvision-body-worn"],
    ["Garmin", "Garmin Dash Cam 67W", "dashcam", "garmin-dash-cam"],
    ["Garmin", "fenix 7", undefined],
    ["Nextbase", "622GW", "dashcam", "nextbase"],
    ["Pittasoft", "DR900X", "dashcam", "blackvue"],
    [undefined, "Axon Body 3", "body-worn", "axon-body"],
    ["Unknown Maker", "Axon Body 3", undefined],
    [undefined, undefined, undefined],
    ["", "", undefined],
  ];
  it.each(cases)("%s / %s -> %s", (make, model, source, id) => {
    const match = shipped.lookup(make, model);
    if (source === undefined) expect(match).toBeUndefined();
    else expect(match).toEqual({ source, id });
  });
});

describe("look-alike models: the most specific entry wins", () => {
  // A body-worn camera whose model also names a word of the maker's in-car system: under
  // file order (in-car entries first) these came out `dashcam`.
  const lookAlikes: Array<[string, string, string, string]> = [
    ["Axon", "Axon Body 4 Fleet", "body-worn", "axon-body"],
    ["Axon Enterprise", "Body 3 Fleet Sync", "body-worn", "axon-body"],
    ["Axon", "Axon Fleet 3", "dashcam", "axon-fleet"],
    ["WatchGuard Video", "4RE V300", "body-worn", "motorola-v-series"],
    ["WatchGuard", "4RE", "dashcam", "watchguard-4re"],
    ["Motorola Solutions", "M500 Motorola V300", "body-worn", "motorola-v-series"],
    ["Motorola Solutions", "Motorola Solutions V300", "body-worn", "motorola-v-series"],
    ["Motorola Solutions", "M500", "dashcam", "motorola-m500"],
    ["Transcend", "DrivePro Body 70", "body-worn", "transcend-drivepro-body"],
    ["Transcend", "DrivePro 620", "dashcam", "transcend-drivepro"],
    ["Panasonic", "Arbitrator BWC", "body-worn", "panasonic-arbitrator-bwc"],
    ["Panasonic", "Arbitrator 360 HD", "dashcam", "panasonic-arbitrator-360"],
  ];
  it.each(lookAlikes)("%s / %s -> %s", (make, model, source, id) => {
    expect(shipped.lookup(make, model)).toEqual({ source, id });
  });

  const catalogue = compileCameraCatalogue({
    version: 1,
    cameras: [
      entry({ id: "in-car", make: "Maker", models: ["/fleet/"], source: "dashcam" }),
      entry({ id: "in-car-exact", make: "Maker", models: ["Body Fleet"], source: "dashcam" }),
      entry({ id: "body", make: "Maker", models: ["/body \\d/"], source: "body-worn" }),
      entry({ id: "maker", make: "Maker", source: "fixed" }),
    ],
  });

  it("a pattern matching more of the model beats an earlier one matching less", () => {
    expect(catalogue.lookup("Maker", "Body 4 Fleet")).toEqual({ source: "body-worn", id: "body" });
    expect(catalogue.lookup("Maker", "Fleet 3")).toEqual({ source: "dashcam", id: "in-car" });
  });

  it("an exact model beats any pattern", () => {
    expect(catalogue.lookup("Maker", "body  fleet")).toEqual({
      source: "dashcam",
      id: "in-car-exact",
    });
  });

  it("a make-only entry is the weakest match", () => {
    expect(catalogue.lookup("Maker", "Body 9")).toEqual({ source: "body-worn", id: "body" });
    expect(catalogue.lookup("Maker", "Other")).toEqual({ source: "fixed", id: "maker" });
  });
});

describe("normaliseMake", () => {
  it("drops case, punctuation and company suffixes", () => {
    expect(normaliseMake("Motorola Solutions, Inc.")).toBe("motorola solutions");
    expect(normaliseMake("SZ DJI Technology Co., Ltd.")).toBe("sz dji technology");
    expect(normaliseMake("  NIKON CORPORATION ")).toBe("nikon");
    expect(normaliseMake("Co")).toBe("co");
  });
});

const entry = (over: Record<string, unknown>) => ({
  id: "x",
  make: "Maker",
  source: "fixed",
  exif: "inferred",
  note: "n",
  ref: "r",
  ...over,
});

function problems(doc: unknown): string[] {
  try {
    compileCameraCatalogue(doc, "t.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(CameraCatalogueError);
    return (err as CameraCatalogueError).problems;
  }
  throw new Error("expected a CameraCatalogueError");
}

describe("catalogue validation", () => {
  it("names every problem with its path", () => {
    expect(
      problems({
        version: 1,
        cameras: [
          entry({ id: "a" }),
          entry({ id: "a", make: "Other" }),
          entry({ id: "b", make: "B", source: "car" }),
          entry({ id: "c", make: "C", models: ["/(unclosed/"] }),
          entry({ id: "Bad Id", make: "D" }),
          entry({ id: "e", make: "E", exif: "maybe", extra: 1 }),
          entry({ id: "f", make: "F", note: "" }),
        ],
      }),
    ).toEqual([
      "cameras[1].id: `a` is already used by cameras[0]",
      "cameras[2].source: `car` is not one of body-worn, dashcam, drone, handheld, fixed",
      expect.stringMatching(
        /^cameras\[3\]\.models\[0\]: regex `\/\(unclosed\/` does not compile: /,
      ),
      "cameras[4].id: must be a kebab-case id, got `Bad Id`",
      "cameras[5].extra: unknown key",
      "cameras[5].exif: `maybe` is not one of observed, documented, inferred",
      "cameras[6].note: must be a non-empty string",
    ]);
  });

  it("rejects two make-only entries for one make", () => {
    expect(
      problems({
        version: 1,
        cameras: [entry({ id: "a" }), entry({ id: "b", make: "MAKER, Inc." })],
      }),
    ).toEqual([
      "cameras[1].make: `MAKER, Inc.` already has a make-only entry `a`; give one of them models",
    ]);
  });

  it("rejects a wrong document shape", () => {
    expect(problems({ version: 2, cameras: {} })).toEqual([
      "version: must be 1, got `2`",
      "cameras: must be a list of entries",
    ]);
    expect(problems([])).toEqual(["the document must be a mapping with `cameras`"]);
    expect(problems({ version: 1, cameras: [entry({ models: [] })] })).toEqual([
      "cameras[0].models: must be a non-empty list of strings",
    ]);
  });

  it("reports YAML errors and unreadable files with the file name", () => {
    const dir = mkdtempSync(join(tmpdir(), "cameras-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "version: 1\ncameras: [\n");
    expect(() => loadCameraCatalogue(file)).toThrow(
      /invalid camera catalogue `.*bad\.yaml`:\n {2}- yaml: /,
    );
    expect(() => loadCameraCatalogue(join(dir, "missing.yaml"))).toThrow(/cannot read file/);
  });

  it("reuses the catalogue of a file read again unchanged, and reads a changed one anew", () => {
    const dir = mkdtempSync(join(tmpdir(), "cameras-"));
    const file = join(dir, "cameras.yaml");
    const yaml = (model: string) =>
      `version: 1\ncameras:\n  - { id: c, make: Acme, models: [${model}], source: body-worn, exif: observed, note: n, ref: r }\n`;
    writeFileSync(file, yaml("A1"));
    const first = loadCameraCatalogue(file);
    expect(loadCameraCatalogue(file)).toBe(first);
    writeFileSync(file, yaml("B2"));
    const changed = loadCameraCatalogue(file);
    expect(changed).not.toBe(first);
    expect(changed.lookup("Acme", "B2")?.source).toBe("body-worn");
    expect(changed.lookup("Acme", "A1")).toBeUndefined();
  });

  it("matches exact models ignoring case and spacing, regexes case-insensitively", () => {
    const cat = compileCameraCatalogue({
      version: 1,
      cameras: [
        entry({ id: "exact", models: ["Model  One"], source: "drone" }),
        entry({ id: "re", models: ["/^x\\d+$/"], source: "dashcam" }),
      ],
    });
    expect(cat.lookup("maker", "model one")).toEqual({ source: "drone", id: "exact" });
    expect(cat.lookup("MAKER", "X20")).toEqual({ source: "dashcam", id: "re" });
    expect(cat.lookup("maker", "Y20")).toBeUndefined();
  });
});
