/**
 * The shared-state store of a single process (`store: { type: memory }`, the default): frame
 * windows, rate limits, concurrency leases and the object registry in this process's memory,
 * bounded. Answers synchronously, so a gateway without Redis pays no promise for shared state.
 */
import { MemoryFrameWindowStore } from "../pipeline/classify-request/frame-rate.js";
import { MemoryObjectStore, type ObjectRecord } from "../pipeline/own-objects/store.js";
import { gcraAdjust, gcraTake } from "./gcra.js";
import type {
  AdmitRequest,
  AdmitResult,
  SettleRequest,
  SharedStore,
  StoreHealth,
} from "./types.js";

/** Rate keys kept at most; the oldest-touched goes first (a forgotten key starts full). */
const MAX_RATE_KEYS = 100_000;

/** In-memory shared state for one process. */
export class MemoryStore implements SharedStore {
  readonly type = "memory" as const;
  readonly #frames: MemoryFrameWindowStore;
  readonly #objects: MemoryObjectStore;
  /** Theoretical arrival time per rate key. */
  readonly #tats = new Map<string, number>();
  /** Lease expiry per request id, per lease key. */
  readonly #leases = new Map<string, Map<string, number>>();

  constructor(maxStoredObjects = 200_000) {
    this.#frames = new MemoryFrameWindowStore();
    this.#objects = new MemoryObjectStore(maxStoredObjects);
  }

  admit(request: AdmitRequest): AdmitResult {
    const { now } = request;
    const frameCounts = request.frames.map((f) =>
      f.record
        ? this.#frames.record(f.key, now, f.frames, f.withinMs)
        : this.#frames.count(f.key, now, f.withinMs) + f.frames,
    );
    const outcomes = request.rates.map((r) =>
      gcraTake(this.#tats.get(r.key) ?? 0, now, r.perMinute, r.cost),
    );
    const remaining = outcomes.map((o) => o.remaining);
    const rateRefused = outcomes.findIndex((o) => !o.ok);
    if (rateRefused >= 0) {
      const retryAfterMs = outcomes[rateRefused]!.retryAfterMs;
      return {
        frameCounts,
        remaining,
        refused: { kind: "rate", index: rateRefused, retryAfterMs },
      };
    }
    for (let i = 0; i < request.leases.length; i++) {
      const lease = request.leases[i]!;
      const held = this.#liveLeases(lease.key, now);
      if (held.size >= lease.limit) {
        let soonest = Number.POSITIVE_INFINITY;
        for (const expiry of held.values()) soonest = Math.min(soonest, expiry);
        const retryAfterMs = Math.max(1000, Math.min(soonest - now, 60_000));
        return { frameCounts, remaining, refused: { kind: "lease", index: i, retryAfterMs } };
      }
    }
    request.rates.forEach((r, i) => {
      this.#setTat(r.key, outcomes[i]!.tat);
    });
    for (const lease of request.leases) {
      const held = this.#liveLeases(lease.key, now);
      held.set(request.requestId, now + lease.ttlMs);
      this.#leases.set(lease.key, held);
    }
    return { frameCounts, remaining };
  }

  settle(request: SettleRequest): void {
    for (const r of request.rates) {
      const tat = gcraAdjust(this.#tats.get(r.key) ?? 0, request.now, r.perMinute, r.delta);
      if (tat <= request.now) this.#tats.delete(r.key);
      else this.#setTat(r.key, tat);
    }
    for (const key of request.leases) {
      const held = this.#leases.get(key);
      if (held === undefined) continue;
      held.delete(request.requestId);
      if (held.size === 0) this.#leases.delete(key);
    }
  }

  /** Requests holding a lease under `key` now (for the in-flight gauge and tests). */
  leasesHeld(key: string, now: number): number {
    return this.#leases.has(key) ? this.#liveLeases(key, now).size : 0;
  }

  getObjects(ids: readonly string[], now: number): (ObjectRecord | undefined)[] {
    return ids.map((id) => this.#objects.get(id, now));
  }

  putObject(record: ObjectRecord, ifAbsent = false): void {
    if (ifAbsent && this.#objects.get(record.id, Date.now()) !== undefined) return;
    this.#objects.put(record);
  }

  deleteObject(id: string): void {
    this.#objects.delete(id);
  }

  /** Object records held (metrics, tests). */
  get objectCount(): number {
    return this.#objects.size;
  }

  shareCoolDown(): void {}

  onSharedCoolDown(): void {}

  health(): StoreHealth {
    return { type: "memory", ready: true };
  }

  async close(): Promise<void> {}

  #setTat(key: string, tat: number): void {
    this.#tats.delete(key); // re-insert: Map order is recency
    if (this.#tats.size >= MAX_RATE_KEYS) {
      const oldest = this.#tats.keys().next().value;
      if (oldest !== undefined) this.#tats.delete(oldest);
    }
    this.#tats.set(key, tat);
  }

  /** The unexpired leases of `key` (expired ones dropped). */
  #liveLeases(key: string, now: number): Map<string, number> {
    const held = this.#leases.get(key) ?? new Map<string, number>();
    for (const [id, expiry] of held) if (expiry <= now) held.delete(id);
    return held;
  }
}
