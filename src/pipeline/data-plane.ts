/**
 * What the data-plane stages share: the dependencies the running gateway hands them, the fields
 * they add to Fastify's request, and the hook signature they are registered with. See
 * docs/architecture.md.
 */
import type { Logger } from "pino";
import type { GatewayMetrics } from "../admin/metrics.js";
import type { RequestMetrics } from "../admin/request-metrics.js";
import type { Generation } from "../runtime/generation.js";
import type { SharedStore } from "../store/types.js";
import type { AuditSink } from "./audit/sink.js";
import type { RequestContext } from "./context.js";
import type { TenantLimiters } from "./limit-tenant/hook.js";
import type { BodyFormat } from "./read-body/body-format.js";
import type { RequestBody } from "./read-body/request-body.js";
import type { RealtimeSessions } from "./realtime/sessions.js";

declare module "fastify" {
  interface FastifyRequest {
    gw: RequestContext | null;
    /** The body's bytes as read (decoded when it came with a content coding): what is forwarded. */
    rawBody: Buffer | null;
    /** How the body is read, decided by the body reader from the operation and content type. */
    bodyFormat: BodyFormat | null;
    /** The body as read by the classification stage (parsed once). */
    readBody: RequestBody | null;
  }
}

/** What the data plane needs from the running gateway. */
export interface DataPlaneDeps {
  /** The current config generation (for body limits before a request has pinned one). */
  current(): Generation;
  /** Pins the current generation to a new request (throws 503 while shutting down). */
  acquire(): Generation;
  /** Unpins it when the request's response has closed. */
  release(generation: Generation): void;
  audit: AuditSink;
  metrics: GatewayMetrics;
  log: Logger;
  /**
   * The shared state (frame windows, limits, leases, the object registry): Redis for a fleet; a
   * fresh in-memory store when not given.
   */
  store?: SharedStore;
  /** The open realtime sessions (closed at a shutdown's deadline); a fresh set when not given. */
  realtime?: RealtimeSessions;
}

/** The dependencies plus the per-process state every stage shares: metric children, limiters. */
export interface StageDeps extends DataPlaneDeps {
  requestMetrics: RequestMetrics;
  limiters: TenantLimiters;
  /** Shared state, and the owners and facts of stored objects (own-objects/). */
  store: SharedStore;
  realtime: RealtimeSessions;
}

/** A Fastify callback hook's `done`: callback hooks cost no promise per request. */
export type HookDone = (err?: Error) => void;

/** Path prefix of what-if calls (`/_gateway/evaluate/<data-plane path>`). */
export const WHAT_IF_PREFIX = "/_gateway/evaluate";
