import { describe, expect, it } from "vitest";
import {
  type CaptureInputs,
  resolveLocalCapture,
} from "../../../src/pipeline/classify-request/capture.js";
import type { FrameWindow } from "../../../src/pipeline/classify-request/capture-windows.js";
import type { Capture, FactOrigin } from "../../../src/pipeline/classify-request/facts.js";
import { MemoryFrameWindowStore } from "../../../src/pipeline/classify-request/frame-rate.js";

const RATE = { frames: 5, withinMs: 10_000 };

/** The windows of a request with `frames` images from camera window `key`. */
function on(key: string, frames = 1): FrameWindow[] {
  return [{ key, frames }];
}

function inputs(over: Partial<CaptureInputs> = {}): CaptureInputs {
  return {
    declared: undefined,
    operation: "chat.completions",
    windows: [],
    capturedAt: [],
    now: 1_000_000,
    liveFrameRate: RATE,
    exifLiveMaxAgeMs: 120_000,
    frames: new MemoryFrameWindowStore(),
    whatIf: false,
    ...over,
  };
}

describe("resolveLocalCapture", () => {
  it.each<[string, Partial<CaptureInputs>, Capture, FactOrigin, number]>([
    ["nothing declared", {}, "unknown", "none", 0],
    ["declared live", { declared: "live" }, "live", "declared", 0],
    ["declared recorded", { declared: "recorded" }, "recorded", "declared", 0],
    ["declared unknown", { declared: "unknown" }, "unknown", "none", 0],
    ["a realtime session", { operation: "realtime" }, "live", "realtime", 0],
    [
      "a realtime session declared live",
      { operation: "realtime", declared: "live" },
      "live",
      "realtime",
      0,
    ],
    [
      "a realtime session declared recorded",
      { operation: "realtime", declared: "recorded" },
      "live",
      "realtime",
      1,
    ],
  ])("%s", (_what, over, capture, origin, conflicts) => {
    const out: string[] = [];
    expect(resolveLocalCapture(inputs(over), out)).toEqual({ capture, origin });
    expect(out).toHaveLength(conflicts);
  });

  it("infers live from the frame rate of one camera", () => {
    const frames = new MemoryFrameWindowStore();
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = resolveLocalCapture(inputs({ frames, windows: on("t:cam-1"), now: 1000 * i }), []);
      seen.push(`${r.capture}/${r.origin}`);
    }
    expect(seen).toEqual([
      "unknown/none",
      "unknown/none",
      "unknown/none",
      "unknown/none",
      "live/frame-rate",
      "live/frame-rate",
    ]);
  });

  it("counts every image of one request as a frame", () => {
    const r = resolveLocalCapture(inputs({ windows: on("t:cam-1", 5) }), []);
    expect(r).toEqual({ capture: "live", origin: "frame-rate" });
  });

  it("counts nothing for a request that feeds no window (no images)", () => {
    const frames = new MemoryFrameWindowStore();
    for (let i = 0; i < 10; i++) {
      const r = resolveLocalCapture(inputs({ frames, windows: [], now: i }), []);
      expect(r.capture).toBe("unknown");
    }
    expect(
      resolveLocalCapture(inputs({ frames, windows: on("t:cam-1"), now: 11 }), []).capture,
    ).toBe("unknown");
  });

  it("is live when any one of the windows a request feeds is at the rate, and feeds them all", () => {
    const frames = new MemoryFrameWindowStore();
    for (let i = 0; i < 4; i++) frames.record("exif", i, 1, 10_000);
    const windows = [
      { key: "camera-rotating-1", frames: 1 },
      { key: "exif", frames: 1 },
      { key: "recognition", frames: 1 },
    ];
    expect(resolveLocalCapture(inputs({ frames, windows, now: 10 }), [])).toEqual({
      capture: "live",
      origin: "frame-rate",
    });
    expect(frames.count("recognition", 10, 10_000)).toBe(1); // fed though another was over
  });

  it("overrides a recorded declaration contradicted by the frame rate, and records it", () => {
    const frames = new MemoryFrameWindowStore();
    const conflicts: string[] = [];
    let last: ReturnType<typeof resolveLocalCapture> | undefined;
    for (let i = 0; i < 5; i++) {
      last = resolveLocalCapture(
        inputs({ frames, windows: on("t:cam-1"), declared: "recorded", now: 100 * i }),
        conflicts,
      );
      if (i < 4) expect(last).toEqual({ capture: "recorded", origin: "declared" });
    }
    expect(last).toEqual({ capture: "live", origin: "frame-rate" });
    expect(conflicts).toEqual(["capture: declared `recorded` vs frame-rate `live`"]);
  });
});

describe("MemoryFrameWindowStore", () => {
  it("counts arrivals within the window, including these", () => {
    const s = new MemoryFrameWindowStore();
    expect(s.record("a", 0, 1, 10_000)).toBe(1);
    expect(s.record("a", 1000, 1, 10_000)).toBe(2);
    expect(s.record("a", 2000, 3, 10_000)).toBe(5);
  });

  it("forgets frames that fall outside the window", () => {
    const s = new MemoryFrameWindowStore();
    for (let t = 0; t < 4; t++) s.record("a", t * 1000, 1, 10_000); // 0, 1, 2, 3 s
    expect(s.record("a", 10_000, 1, 10_000)).toBe(4); // the frame at 0 s is exactly 10 s old: out
    expect(s.record("a", 12_500, 1, 10_000)).toBe(3); // 3, 10, 12.5 s
    expect(s.record("a", 60_000, 1, 10_000)).toBe(1);
  });

  it("slow frames never reach the live rate", () => {
    const frames = new MemoryFrameWindowStore();
    for (let i = 0; i < 50; i++) {
      const r = resolveLocalCapture(inputs({ frames, windows: on("t:cam"), now: i * 2_500 }), []);
      expect(r.capture, `frame ${i}`).toBe("unknown"); // 4 frames per 10 s at most
    }
  });

  it("keeps cameras apart", () => {
    const s = new MemoryFrameWindowStore();
    for (let i = 0; i < 4; i++) s.record("tenant-a:cam-1", i, 1, 10_000);
    expect(s.record("tenant-b:cam-1", 5, 1, 10_000)).toBe(1);
    expect(s.record("tenant-a:cam-2", 5, 1, 10_000)).toBe(1);
    expect(s.record("tenant-a:cam-1", 5, 1, 10_000)).toBe(5);
  });

  it("bounds the number of cameras, evicting the least recently seen", () => {
    const s = new MemoryFrameWindowStore(2);
    s.record("a", 0, 3, 10_000);
    s.record("b", 1, 3, 10_000);
    s.record("a", 2, 1, 10_000); // a is now the most recent
    s.record("c", 3, 1, 10_000); // evicts b
    expect(s.record("a", 4, 1, 10_000)).toBe(5);
    expect(s.record("b", 5, 1, 10_000)).toBe(1); // b started over (and evicted c)
    expect(s.record("c", 6, 1, 10_000)).toBe(1);
  });

  it("bounds the timestamps kept per camera", () => {
    const s = new MemoryFrameWindowStore(10, 8);
    expect(s.record("a", 0, 100, 10_000)).toBe(8);
    expect(s.record("a", 1, 1, 10_000)).toBe(8);
  });
});
