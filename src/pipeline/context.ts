/**
 * The state one request accumulates as it goes through the pipeline stages; the audit record is
 * built from it at the end, whatever the end was.
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Span } from "@opentelemetry/api";
import type { RuntimeTenant } from "../config/index.js";
import type { GatewayHttpError } from "../errors.js";
import type { Generation } from "../runtime/generation.js";
import type { EndUserSource } from "./attribution.js";
import type { RequestFacts } from "./classify-request/facts.js";
import type { RouteInfo } from "./classify-request/operation.js";
import type { Decision } from "./evaluate-policy/index.js";
import type { ProxyOutcome } from "./forward/proxy.js";
import type { Acting } from "./identify-tenant/acting.js";
import type { Agency } from "./identify-tenant/agency.js";
import type { JudgeOutcome } from "./judge-purpose/judge.js";
import type { JudgeNeed } from "./judge-purpose/settle.js";
import type { ObjectResolution } from "./own-objects/ownership.js";

/** One call to an upstream, as the audit records it (`attempts`). */
export interface UpstreamAttempt {
  upstream: string;
  /** Upstream's status, when it answered. */
  status?: number;
  /** Why there was no answer: a transport code (`ECONNREFUSED`...) or a gateway error code. */
  error?: string;
  /** Milliseconds the attempt took. */
  ms: number;
}

/** Per-request pipeline state. */
export interface RequestContext {
  /** Id of this request's decision; sent upstream as `x-ms-client-request-id`. */
  decisionId: string;
  /** Wall-clock start, ISO 8601. */
  time: string;
  /** `performance.now()` at arrival. */
  startedAt: number;
  /** The config generation this request runs on from start to end, even across a reload. */
  generation: Generation;
  /** Path as the client sent it, a doubled leading slash collapsed; no query. */
  path: string;
  /** The query string with its `?`, or empty. */
  query: string;
  route: RouteInfo;
  /** Set for `/_gateway/evaluate/...` calls, which forward nothing. */
  whatIf: boolean;
  tenant?: RuntimeTenant;
  /** The effective agency: the customer the call acts for, or the tenant itself. */
  agency?: Agency;
  /** How the customer was known and every agency the call is judged as (docs/api.md). */
  acting?: Acting;
  /** The audit's id of the key that authenticated the call (never the key). */
  keyId?: string;
  /** The end user the body names, as the audit records it (attribution.ts). */
  endUser?: { id: string; from: EndUserSource };
  /** The client's address (trusted proxies honoured) and user agent (attribution.ts). */
  client?: { address: string; userAgent?: string };
  /** The agency whose evaluation decided the call (differs from `agency` for `undeclared`). */
  decidedAs?: Agency;
  facts?: RequestFacts;
  decision?: Decision;
  /**
   * The judge of the uncertain band: what its verdict could change, and (unless what-if, which
   * never asks) what the ask came to and whether the verdict was applied.
   */
  judge?: { need: JudgeNeed; outcome?: JudgeOutcome; applied?: boolean };
  /** Milliseconds spent classifying and deciding. */
  policyMs?: number;
  bytesIn: number;
  /** What the call does that the gateway forwards without enforcing (`realtime-media`). */
  unenforced?: string[];
  /** The stored objects the request names, checked for ownership (own-objects/). */
  objects?: ObjectResolution;
  /** The body came with a content coding and was decoded: the decoded bytes are forwarded. */
  bodyDecoded?: boolean;
  upstreamName?: string;
  proxy?: ProxyOutcome;
  /**
   * Upstream calls that ended before any byte reached the client (failed, or held back for
   * failover), in order; only set when there were some. The call whose answer streamed to the
   * client is `upstreamName` + `proxy`.
   */
  attempts?: UpstreamAttempt[];
  /** Bytes of an answer body the gateway wrote itself (an error, the 403): the audit's bytesOut. */
  answerBytes?: number;
  /** The coded error the gateway answered, if any. */
  error?: GatewayHttpError;
  /** Set once the audit record is written (exactly once per request). */
  audited: boolean;
  /** The request's OpenTelemetry span, when tracing is enabled. */
  span?: Span;
  /** Whether `generation` was acquired for this request (and must be released at its end). */
  pinned: boolean;
  /** Frees the request's concurrency slot (limit-tenant/); idempotent, called when it closes. */
  releaseSlot?: () => void;
}

/**
 * Splits a request URL into its path and query, collapsing a doubled leading slash
 * (`//openai/...`, sent by older SDKs).
 */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf("?");
  let path = q < 0 ? url : url.slice(0, q);
  if (path.startsWith("//")) path = `/${path.replace(/^\/+/, "")}`;
  return { path, query: q < 0 ? "" : url.slice(q) };
}

/** A fresh context for a request that arrived now on `generation`. */
export function newRequestContext(init: {
  generation: Generation;
  url: string;
  route: (path: string) => RouteInfo;
  whatIf: boolean;
  pinned: boolean;
}): RequestContext {
  const { path, query } = splitUrl(init.url);
  return {
    decisionId: randomUUID(),
    time: new Date().toISOString(),
    startedAt: performance.now(),
    generation: init.generation,
    path,
    query,
    route: init.route(path),
    whatIf: init.whatIf,
    bytesIn: 0,
    audited: false,
    pinned: init.pinned,
  };
}

/**
 * The context, kept on the response object under a symbol. A WeakMap would do the same, but one
 * entry per request is an ephemeron the garbage collector must trace: measured, it cost 15% of a
 * denied call's CPU under load (`npm run bench -- --profile denied`).
 */
const CONTEXT: unique symbol = Symbol("gateway.requestContext");
type BoundResponse = ServerResponse & { [CONTEXT]?: RequestContext };

/**
 * Links a request's raw response to its context, so an error Node raises on the socket while the
 * request is in the pipeline (a timeout mid-body) is answered and audited as that request.
 */
export function bindResponse(res: ServerResponse, ctx: RequestContext): void {
  (res as BoundResponse)[CONTEXT] = ctx;
}

/** The context of the request `res` answers, if it entered the pipeline. */
export function contextOfResponse(res: ServerResponse): RequestContext | undefined {
  return (res as BoundResponse)[CONTEXT];
}
