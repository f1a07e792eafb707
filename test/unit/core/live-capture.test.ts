import { describe, expect, it } from "vitest";
import {
  type CaptureInputs,
  resolveLocalCapture,
} from "../../../src/pipeline/classify-request/capture.js";
import { frameWindows } from "../../../src/pipeline/classify-request/capture-windows.js";
import {
  FUTURE_SKEW_MS,
  isRecentCapture,
} from "../../../src/pipeline/classify-request/exif-capture-time.js";
import type { ImageInput, Purpose } from "../../../src/pipeline/classify-request/facts.js";
import { MemoryFrameWindowStore } from "../../../src/pipeline/classify-request/frame-rate.js";

const NOW = Date.parse("2025-03-10T12:00:00Z");
const MAX_AGE = 120_000;
const HOUR = 3_600_000;

/** ISO 8601 of `ms`, with `zone` (`+01:00`, `Z`) or none: the wall clock shifted by `shiftMs`. */
function iso(ms: number, zone = "", shiftMs = 0): string {
  return new Date(ms + shiftMs).toISOString().slice(0, 19) + zone;
}

function inputs(over: Partial<CaptureInputs> = {}): CaptureInputs {
  return {
    declared: undefined,
    operation: "chat.completions",
    windows: [],
    capturedAt: [],
    now: NOW,
    liveFrameRate: { frames: 3, withinMs: 10_000 },
    exifLiveMaxAgeMs: MAX_AGE,
    frames: new MemoryFrameWindowStore(),
    whatIf: false,
    ...over,
  };
}

describe("isRecentCapture", () => {
  it("with a zone: recent up to the max age, and up to the skew tolerance ahead", () => {
    expect(isRecentCapture(iso(NOW - 5_000, "Z"), NOW, MAX_AGE)).toBe(true);
    expect(isRecentCapture(iso(NOW - MAX_AGE, "Z"), NOW, MAX_AGE)).toBe(true);
    expect(isRecentCapture(iso(NOW - MAX_AGE - 1_000, "Z"), NOW, MAX_AGE)).toBe(false);
    expect(isRecentCapture(iso(NOW + FUTURE_SKEW_MS, "Z"), NOW, MAX_AGE)).toBe(true);
    expect(isRecentCapture(iso(NOW + FUTURE_SKEW_MS + 1_000, "Z"), NOW, MAX_AGE)).toBe(false);
    // 13:59:00+02:00 is 11:59:00Z: one minute old.
    expect(isRecentCapture("2025-03-10T13:59:00+02:00", NOW, MAX_AGE)).toBe(true);
    expect(isRecentCapture("2025-03-10T13:59:00-02:00", NOW, MAX_AGE)).toBe(false);
  });

  it("without a zone: recent under any UTC offset from -12:00 to +14:00 (fails toward live)", () => {
    // A camera at UTC+14 records a local time 14 h ahead of UTC; one at UTC-12, 12 h behind.
    expect(isRecentCapture(iso(NOW, "", 14 * HOUR), NOW, MAX_AGE)).toBe(true);
    expect(isRecentCapture(iso(NOW, "", -12 * HOUR), NOW, MAX_AGE)).toBe(true);
    expect(isRecentCapture(iso(NOW, "", 3 * HOUR), NOW, MAX_AGE)).toBe(true);
    expect(isRecentCapture(iso(NOW - MAX_AGE, "", -12 * HOUR), NOW, MAX_AGE)).toBe(true);
    // Further than any zone can explain: old, or a wrong clock.
    expect(isRecentCapture(iso(NOW - MAX_AGE - 60_000, "", -12 * HOUR), NOW, MAX_AGE)).toBe(false);
    expect(isRecentCapture(iso(NOW + FUTURE_SKEW_MS + 60_000, "", 14 * HOUR), NOW, MAX_AGE)).toBe(
      false,
    );
    expect(isRecentCapture("2019-06-01T08:00:00", NOW, MAX_AGE)).toBe(false);
  });

  it("never counts an unparseable time", () => {
    expect(isRecentCapture("not a date", NOW, MAX_AGE)).toBe(false);
  });
});

describe("capture from the EXIF capture time", () => {
  it("makes capture live, origin exif, when an image was captured moments ago", () => {
    const out: string[] = [];
    const r = resolveLocalCapture(inputs({ capturedAt: [iso(NOW - 2_000, "+00:00")] }), out);
    expect(r).toEqual({ capture: "live", origin: "exif" });
    expect(out).toEqual([]);
  });

  it("overrides a recorded declaration and records the conflict", () => {
    const out: string[] = [];
    const capturedAt = ["2019-01-01T00:00:00Z", iso(NOW - 2_000, "Z")];
    expect(resolveLocalCapture(inputs({ declared: "recorded", capturedAt }), out)).toEqual({
      capture: "live",
      origin: "exif",
    });
    expect(out).toEqual(["capture: declared `recorded` vs exif `live`"]);
  });

  it("never turns a live declaration into recorded (an old capture time is no proof)", () => {
    const out: string[] = [];
    const capturedAt = ["2019-01-01T00:00:00Z"];
    expect(resolveLocalCapture(inputs({ declared: "live", capturedAt }), out)).toEqual({
      capture: "live",
      origin: "declared",
    });
    expect(resolveLocalCapture(inputs({ capturedAt }), out)).toEqual({
      capture: "unknown",
      origin: "none",
    });
    expect(out).toEqual([]);
  });

  it("honours the configured max age", () => {
    const capturedAt = [iso(NOW - 200_000, "Z")];
    expect(resolveLocalCapture(inputs({ capturedAt }), []).capture).toBe("unknown");
    expect(resolveLocalCapture(inputs({ capturedAt, exifLiveMaxAgeMs: 300_000 }), []).capture).toBe(
      "live",
    );
  });
});

describe("what-if calls", () => {
  it("read the windows and never write them", () => {
    const frames = new MemoryFrameWindowStore();
    const windows = [{ key: "cam", frames: 1 }];
    for (let i = 0; i < 10; i++) {
      const r = resolveLocalCapture(inputs({ frames, windows, whatIf: true, now: NOW + i }), []);
      expect(r.capture).toBe("unknown");
    }
    expect(frames.count("cam", NOW + 10, 10_000)).toBe(0);
    // Two real frames: a what-if sees the third it would add, still recording nothing.
    resolveLocalCapture(inputs({ frames, windows, now: NOW }), []);
    resolveLocalCapture(inputs({ frames, windows, now: NOW + 1 }), []);
    expect(
      resolveLocalCapture(inputs({ frames, windows, whatIf: true, now: NOW + 2 }), []),
    ).toEqual({
      capture: "live",
      origin: "frame-rate",
    });
    expect(frames.count("cam", NOW + 2, 10_000)).toBe(2);
  });
});

const AXON = { make: "Axon", model: "Axon Body 4" };

function image(exif?: ImageInput["exif"]): ImageInput {
  const i: ImageInput = { origin: "inline", format: "jpeg", bytes: 100, where: "x" };
  if (exif !== undefined) i.exif = exif;
  return i;
}

const ID: Purpose[] = ["facial-identification"];

describe("frameWindows", () => {
  it("feeds no window for a request without images", () => {
    expect(
      frameWindows({ tenantId: "t", agencyId: "t", cameraId: "c", images: [], purposes: ID }),
    ).toEqual([]);
  });

  it("keys on the camera id and each EXIF camera; the recognition window only without EXIF", () => {
    const w = frameWindows({
      tenantId: "t",
      agencyId: "t",
      cameraId: "cam-7",
      images: [image({ ...AXON, serial: "X1" }), image({ ...AXON, serial: "X1" }), image()],
      purposes: ID,
    });
    expect(w).toEqual([
      { key: "camera\u0000t\u0000t\u0000cam-7", frames: 3 },
      { key: "exif\u0000t\u0000t\u0000axon\u0000axon body 4\u0000X1", frames: 2 },
    ]);
    const withoutExif = frameWindows({
      tenantId: "t",
      agencyId: "t",
      cameraId: "cam-7",
      images: [image(), image()],
      purposes: ID,
    });
    expect(withoutExif).toEqual([
      { key: "camera\u0000t\u0000t\u0000cam-7", frames: 2 },
      { key: "recognition\u0000t\u0000t", frames: 1 },
    ]);
  });

  it("keeps serial numbers, customers and tenants apart; ignores case of make and model", () => {
    const key = (tenantId: string, agencyId: string, exif: ImageInput["exif"]) =>
      frameWindows({ tenantId, agencyId, cameraId: undefined, images: [image(exif)], purposes: [] })
        .map((w) => w.key)
        .join();
    const base = key("v", "city-pd", { ...AXON, serial: "X1" });
    expect(key("v", "city-pd", { make: "AXON", model: "axon  body 4", serial: "X1" })).toBe(base);
    expect(key("v", "city-pd", { ...AXON, serial: "X2" })).not.toBe(base);
    expect(key("v", "hospital-7", { ...AXON, serial: "X1" })).not.toBe(base);
    expect(key("w", "city-pd", { ...AXON, serial: "X1" })).not.toBe(base);
  });

  it("feeds the recognition window only for facial identification or verification", () => {
    const keys = (purposes: Purpose[]) =>
      frameWindows({
        tenantId: "t",
        agencyId: "t",
        cameraId: undefined,
        images: [image()],
        purposes,
      });
    expect(keys(["scene-description", "face-detection"])).toEqual([]);
    expect(keys(["facial-verification"])).toHaveLength(1);
  });

  it("a rotating camera id does not escape: the EXIF and recognition windows see the stream", () => {
    const frames = new MemoryFrameWindowStore();
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const windows = frameWindows({
        tenantId: "met-police",
        agencyId: "met-police",
        cameraId: `rotating-${i}`,
        images: [image({ ...AXON, capturedAt: "2019-01-01T00:00:00Z" })],
        purposes: ID,
      });
      const r = resolveLocalCapture(
        inputs({ frames, windows, declared: "recorded", now: NOW + i * 1_000 }),
        [],
      );
      seen.push(`${r.capture}/${r.origin}`);
    }
    expect(seen).toEqual([
      "recorded/declared",
      "recorded/declared",
      "live/frame-rate",
      "live/frame-rate",
    ]);
  });

  it("without any EXIF, the tenant's recognition cadence alone makes capture live", () => {
    const frames = new MemoryFrameWindowStore();
    let last = "";
    for (let i = 0; i < 3; i++) {
      const windows = frameWindows({
        tenantId: "met-police",
        agencyId: "met-police",
        cameraId: undefined,
        images: [image()],
        purposes: ID,
      });
      last = resolveLocalCapture(
        inputs({ frames, windows, declared: "recorded", now: NOW + i }),
        [],
      ).capture;
    }
    expect(last).toBe("live");
  });
});
