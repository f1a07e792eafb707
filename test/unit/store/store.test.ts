/**
 * The shared store: GCRA arithmetic, and the memory and Redis stores answering alike (the Redis
 * half runs when `REDIS_URL` is set): frames recorded or only read, rates all-or-none, leases
 * capped and released, token corrections, objects with `ifAbsent`.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { gcraAdjust, gcraTake, MINUTE_MS } from "../../../src/store/gcra.js";
import { MemoryStore } from "../../../src/store/memory-store.js";
import { RedisStore } from "../../../src/store/redis-store.js";
import type { AdmitRequest, SharedStore } from "../../../src/store/types.js";
import { REDIS_URL } from "../../helpers/redis.js";

describe("gcra", () => {
  it("admits the whole limit at once, then one per interval", () => {
    let tat = 0;
    const now = 1_000_000;
    for (let i = 0; i < 60; i++) {
      const o = gcraTake(tat, now, 60, 1);
      expect(o.ok).toBe(true);
      expect(o.remaining).toBe(59 - i);
      tat = o.tat;
    }
    const refused = gcraTake(tat, now, 60, 1);
    expect(refused).toMatchObject({ ok: false, remaining: 0, retryAfterMs: 1000 });
    expect(gcraTake(tat, now + 999, 60, 1).ok).toBe(false);
    expect(gcraTake(tat, now + 1000, 60, 1).ok).toBe(true);
  });

  it("never lets more than limit x (1 + d/60) through in any span of d seconds", () => {
    let tat = 0;
    let admitted = 0;
    // One attempt every 10 ms for 30 s, starting from a full bucket.
    for (let t = 0; t < 30_000; t += 10) {
      const o = gcraTake(tat, 5_000_000 + t, 100, 1);
      if (o.ok) {
        admitted++;
        tat = o.tat;
      }
    }
    expect(admitted).toBeLessThanOrEqual(100 * (1 + 30 / 60));
    expect(admitted).toBeGreaterThanOrEqual(100 * (1 + 30 / 60) - 1);
  });

  it("refuses a cost above the whole limit and says how long a full minute takes", () => {
    const o = gcraTake(0, 0, 1000, 1500);
    expect(o.ok).toBe(false);
    expect(o.retryAfterMs).toBe(MINUTE_MS);
  });

  it("gives back and takes more on correction, never before now", () => {
    const taken = gcraTake(0, 0, 600, 300).tat; // 30 s ahead
    expect(gcraAdjust(taken, 0, 600, -200)).toBe(10_000);
    expect(gcraAdjust(taken, 0, 600, -1000)).toBe(0);
    expect(gcraAdjust(taken, 0, 600, 100)).toBe(40_000);
  });
});

const stores: [string, () => SharedStore][] = [["memory", () => new MemoryStore()]];
const opened: SharedStore[] = [];
const redisUrl = REDIS_URL;
if (redisUrl !== undefined) {
  stores.push([
    "redis",
    () => {
      const s = new RedisStore({
        url: redisUrl,
        keyPrefix: `unit-${randomBytes(4).toString("hex")}:`,
        timeoutMs: 1000,
      });
      opened.push(s);
      return s;
    },
  ]);
}
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

function request(over: Partial<AdmitRequest>): AdmitRequest {
  return {
    scope: "t",
    requestId: randomBytes(4).toString("hex"),
    now: 1_000_000,
    frames: [],
    rates: [],
    leases: [],
    ...over,
  };
}

describe.each(stores)("%s store", (name, make) => {
  const ready = async (s: SharedStore) => {
    if (s instanceof RedisStore) await s.connect(2000);
    return s;
  };

  it("records frames, and only reads them for what-if", async () => {
    const s = await ready(make());
    const frame = (record: boolean, now: number) =>
      request({ now, frames: [{ key: "cam", frames: 1, withinMs: 10_000, record }] });
    expect((await s.admit(frame(true, 1_000))).frameCounts).toEqual([1]);
    expect((await s.admit(frame(true, 2_000))).frameCounts).toEqual([2]);
    expect((await s.admit(frame(false, 3_000))).frameCounts).toEqual([3]);
    expect((await s.admit(frame(true, 4_000))).frameCounts).toEqual([3]);
    // 10 s later the first two have left the window.
    expect((await s.admit(frame(false, 12_500))).frameCounts).toEqual([2]);
  });

  it("takes rates all or none, and says which one refused", async () => {
    const s = await ready(make());
    const both = () =>
      request({
        rates: [
          { key: "rpm", perMinute: 10, cost: 1 },
          { key: "tpm", perMinute: 100, cost: 40 },
        ],
      });
    expect((await s.admit(both())).remaining).toEqual([9, 60]);
    expect((await s.admit(both())).remaining).toEqual([8, 20]);
    const refused = await s.admit(both());
    expect(refused.refused).toMatchObject({ kind: "rate", index: 1 });
    expect(refused.refused!.retryAfterMs).toBe(12_000);
    // The refused request took nothing from the first rate either.
    expect(
      (await s.admit(request({ rates: [{ key: "rpm", perMinute: 10, cost: 1 }] }))).remaining,
    ).toEqual([7]);
  });

  it("caps leases and frees them on settle", async () => {
    const s = await ready(make());
    const lease = { key: "inflight", limit: 2, ttlMs: 60_000 };
    const one = request({ leases: [lease] });
    const two = request({ leases: [lease] });
    expect((await s.admit(one)).refused).toBeUndefined();
    expect((await s.admit(two)).refused).toBeUndefined();
    const third = await s.admit(request({ leases: [lease] }));
    expect(third.refused).toMatchObject({ kind: "lease", index: 0 });
    s.settle({
      scope: "t",
      requestId: one.requestId,
      now: 1_000_000,
      rates: [],
      leases: ["inflight"],
    });
    // Settle is fire-and-forget; on Redis the next command on the connection runs after it.
    expect((await s.admit(request({ leases: [lease] }))).refused).toBeUndefined();
  });

  it("lets a lease expire when its holder never settles (a replica that died)", async () => {
    const s = await ready(make());
    const lease = { key: "dead", limit: 1, ttlMs: 5_000 };
    expect((await s.admit(request({ leases: [lease] }))).refused).toBeUndefined();
    expect((await s.admit(request({ leases: [lease], now: 1_004_000 }))).refused).toBeDefined();
    expect((await s.admit(request({ leases: [lease], now: 1_006_000 }))).refused).toBeUndefined();
  });

  it("settles token reservations at the real usage", async () => {
    const s = await ready(make());
    const tpm = (cost: number) => request({ rates: [{ key: "tpm2", perMinute: 1000, cost }] });
    const first = tpm(900);
    expect((await s.admit(first)).remaining).toEqual([100]);
    s.settle({
      scope: "t",
      requestId: first.requestId,
      now: 1_000_000,
      rates: [{ key: "tpm2", perMinute: 1000, delta: -850 }],
      leases: [],
    });
    expect((await s.admit(tpm(900))).refused).toBeUndefined();
  });

  it("keeps objects, and `ifAbsent` never replaces one", async () => {
    const s = await ready(make());
    const id = `file-${name}-${randomBytes(3).toString("hex")}`;
    const now = Date.now();
    const record = (tenantId: string) => ({
      id,
      kind: "file" as const,
      owner: { tenantId },
      facts: {
        images: 0,
        origins: [],
        cameraSource: "unknown" as const,
        mobility: "unknown" as const,
        capture: "unknown" as const,
        purposes: [],
      },
      createdAt: now,
      expiresAt: now + 60_000,
    });
    await s.putObject(record("a"));
    await s.putObject(record("b"), true);
    const [got, missing] = await s.getObjects([id, `${id}-none`], now);
    expect(got?.owner.tenantId).toBe("a");
    expect(missing).toBeUndefined();
    await s.deleteObject(id);
    expect(await s.getObjects([id], now)).toEqual([undefined]);
  });
});
