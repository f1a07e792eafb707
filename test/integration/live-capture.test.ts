/**
 * Live capture from the image itself, through real HTTP: a non-US police tenant streaming
 * body-worn camera frames declared `recorded` is caught by the frames' EXIF capture time, by the
 * camera its EXIF names, or by the cadence of its recognition requests, whatever camera id it
 * sends; and what-if calls never count as frames. The classification clock is injected.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WhatIfAnswer } from "../../src/pipeline/what-if.js";
import { dataUrl, jpeg } from "../fixtures/images/make-fixtures.js";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
// Each test starts a minute after the last, so the windows (harness: 3 frames in 10 s) are empty.
let clock = Date.parse("2025-03-10T12:00:00Z");
beforeAll(async () => {
  h = await startHarness({ now: () => clock });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  clock += 60_000;
  h.sim.clearRequests();
});

/** EXIF `YYYY:MM:DD HH:MM:SS` of an instant, in UTC. */
function exifTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ").replace(/-/g, ":");
}

/** An Axon Body 4 frame captured at `capturedMs` (with its zone, `+00:00`), or without EXIF. */
function frame(capturedMs?: number): string {
  if (capturedMs === undefined) return dataUrl("image/jpeg", jpeg({ scanBytes: 2048 }));
  const tags = {
    make: "Axon Enterprise, Inc.",
    model: "Axon Body 4",
    bodySerialNumber: "X60A1234B",
    dateTimeOriginal: exifTime(capturedMs),
    offsetTimeOriginal: "+00:00",
  };
  return dataUrl("image/jpeg", jpeg({ tags, scanBytes: 2048 }));
}

const OLD = Date.parse("2019-06-01T08:00:00Z");
const PATH = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";

async function ask(image: string, headers: Record<string, string> = {}, whatIf = false) {
  const res = await fetch(`${h.gw.url}${whatIf ? "/_gateway/evaluate" : ""}${PATH}`, {
    method: "POST",
    headers: {
      "api-key": KEYS.metPolice,
      "content-type": "application/json",
      "x-gateway-capture": "recorded",
      ...headers,
    },
    body: JSON.stringify({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Who is this man?" },
            { type: "image_url", image_url: { url: image } },
          ],
        },
      ],
    }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, decisionId: res.headers.get("x-gateway-decision-id"), body };
}

/** What reached the simulator, from its own log over HTTP. */
async function forwarded(): Promise<number> {
  const res = await fetch(`${h.sim.url}/_simulator/requests`);
  return ((await res.json()) as { requests: unknown[] }).requests.length;
}

async function captureOf(decisionId: string | null) {
  const record = await h.audit.waitFor((r) => r.decisionId === decisionId);
  return record;
}

describe("live capture of a non-US police tenant's body-worn camera frames", () => {
  it("denies a fresh frame declared recorded, with a rotating camera id and with none", async () => {
    for (const headers of [{ "x-gateway-camera-id": "rotating-1" }, {}]) {
      const r = await ask(frame(clock - 3_000), headers);
      expect(r.status).toBe(403);
      const record = await captureOf(r.decisionId);
      expect(record.capture).toEqual({ value: "live", origin: "exif" });
      expect(record.camera).toMatchObject({ source: "body-worn", mobility: "mobile" });
      expect(record.camera?.conflicts).toContain("capture: declared `recorded` vs exif `live`");
      expect(record.policies).toEqual(["law-enforcement-no-live-recognition-on-mobile-cameras"]);
    }
    expect(await forwarded()).toBe(0);
  });

  it("allows an old frame declared recorded when nothing streams", async () => {
    const r = await ask(frame(OLD), { "x-gateway-camera-id": "rotating-2" });
    expect(r.status).toBe(200);
    expect((await captureOf(r.decisionId)).capture).toEqual({
      value: "recorded",
      origin: "declared",
    });
    expect(await forwarded()).toBe(1);
  });

  it("catches old frames streamed with a rotating camera id by the camera their EXIF names", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock += 1_000;
      statuses.push((await ask(frame(OLD), { "x-gateway-camera-id": `rotating-${i}` })).status);
    }
    expect(statuses).toEqual([200, 200, 403]);
    expect(await forwarded()).toBe(2);
  });

  it("catches recognition requests without EXIF by the tenant's cadence", async () => {
    const last: Array<{ status: number; decisionId: string | null }> = [];
    for (let i = 0; i < 3; i++) {
      clock += 1_000;
      last.push(await ask(frame()));
    }
    expect(last.map((r) => r.status)).toEqual([200, 200, 403]);
    expect((await captureOf(last[2]!.decisionId)).capture).toEqual({
      value: "live",
      origin: "frame-rate",
    });
  });

  it("what-if calls read the windows without writing them", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await ask(frame(OLD), {}, true);
      expect(r.status).toBe(200);
      expect((r.body as unknown as WhatIfAnswer).decision).toBe("allow");
    }
    const r = await ask(frame(OLD));
    expect(r.status).toBe(200); // five what-ifs did not make this the sixth frame
    expect(await forwarded()).toBe(1);
  });
});
