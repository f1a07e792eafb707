/**
 * The shared-state store: everything replicas must agree on goes through this one interface
 * (docs/operations.md "Running a fleet"), so two replicas decide as one process would. The
 * memory store serves one process; the Redis store a fleet. Per request there is one call before
 * the decision ({@link SharedStore.admit}, atomic: frame windows, rate limits, concurrency leases
 * of one tenant) and fire-and-forget corrections after it ({@link SharedStore.settle}); stored
 * objects are read by id before classification and written after Azure answered.
 *
 * Every method may fail (the store is down, or slow past its timeout): callers turn a failure into
 * the stricter decision for that signal, never into a hang or a crash.
 */
import type { ObjectRecord } from "../pipeline/own-objects/store.js";

/** One frame-rate window a request feeds (or only reads, for what-if). */
export interface FrameOp {
  key: string;
  /** Arrivals this request adds. */
  frames: number;
  /** The live-rate window. */
  withinMs: number;
  /** False for what-if: read the window, record nothing. */
  record: boolean;
}

/** One rate limit a request spends from (GCRA, `gcra.ts`). */
export interface RateOp {
  key: string;
  perMinute: number;
  cost: number;
}

/** One concurrency cap a request takes a lease under; leases expire after `ttlMs`. */
export interface LeaseOp {
  key: string;
  limit: number;
  ttlMs: number;
}

/** What one request asks of the store before its decision: all of one tenant's shared state. */
export interface AdmitRequest {
  /** The tenant: its keys share one Redis hash tag, so one script can touch them all. */
  scope: string;
  /** Unique per request: the lease's member. */
  requestId: string;
  now: number;
  frames: readonly FrameOp[];
  rates: readonly RateOp[];
  leases: readonly LeaseOp[];
}

/** Why a request was not admitted: which op, and when to come back. */
export interface Refusal {
  kind: "rate" | "lease";
  index: number;
  retryAfterMs: number;
}

/**
 * The answer to {@link SharedStore.admit}. Frames are always recorded (a refused request was still
 * a frame the camera sent); rates and leases are taken all or none.
 */
export interface AdmitResult {
  /** Arrivals within each frame window, this request's included. */
  frameCounts: number[];
  refused?: Refusal;
  /** Units left on each rate op after this request (before it, when refused). */
  remaining: number[];
}

/** Corrections after the response: token estimates settled, leases released. */
export interface SettleRequest {
  scope: string;
  requestId: string;
  now: number;
  rates: readonly { key: string; perMinute: number; delta: number }[];
  leases: readonly string[];
}

/** What `/readyz` and the metrics say about the store. */
export interface StoreHealth {
  type: "memory" | "redis";
  ready: boolean;
  /** Why not ready (no secret in it). */
  error?: string;
}

/** The one interface all shared state goes through. */
export interface SharedStore {
  readonly type: "memory" | "redis";
  /** Atomically records frames and takes rates and leases; returns synchronously in memory. */
  admit(request: AdmitRequest): AdmitResult | Promise<AdmitResult>;
  /** Applies corrections; never throws (failures are counted and logged). */
  settle(request: SettleRequest): void;
  /** The records of `ids` (undefined when unknown or expired), in order. */
  getObjects(
    ids: readonly string[],
    now: number,
  ): (ObjectRecord | undefined)[] | Promise<(ObjectRecord | undefined)[]>;
  /**
   * Records or replaces an object (only records it, with `ifAbsent`, when none is held); never
   * rejects (a failure is counted; the object stays unknown, so it is refused: fail closed).
   */
  putObject(record: ObjectRecord, ifAbsent?: boolean): void | Promise<void>;
  /** Forgets an object; never rejects. */
  deleteObject(id: string): void | Promise<void>;
  /**
   * Tells the other replicas that Azure asked for a cool-down of `deployment` on `upstream` (a
   * `retry-after`); fire-and-forget. The memory store has no one to tell.
   */
  shareCoolDown(upstream: string, deployment: string, ms: number): void;
  /** Calls `apply` with each cool-down another replica shares (until `close`). */
  onSharedCoolDown(apply: (upstream: string, deployment: string, ms: number) => void): void;
  health(): StoreHealth;
  /** Closes connections (shutdown). */
  close(): Promise<void>;
}

/** Thrown (or rejected with) when the store cannot answer in time; its message is safe to show. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
