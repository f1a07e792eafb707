/**
 * The audit record (docs/audit.md): who, what, which decision, why, what it cost. Built from
 * the request context, never from the request body: no key, prompt text or image byte can reach it.
 */
import type { EndUserSource } from "../attribution.js";
import type { RequestContext } from "../context.js";

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** One audit line's content (pino adds `time`). */
export interface AuditRecord {
  decisionId: string;
  requestTime: string;
  tenant: string | null;
  agency: string | null;
  agencyType: string | null;
  jurisdiction: string | null;
  onBehalfOf?: string;
  /** How the customer was known: a customer-scoped key, the header, or neither (docs/api.md). */
  customerBy?: "key" | "declared" | "undeclared";
  /** For `undeclared`: every agency the call was judged as, the tenant first. */
  judgedAs?: string[];
  /**
   * Id of the key that authenticated: its configured `id`, or the first 12 hex digits of its
   * SHA-256 (never the key).
   */
  keyId?: string;
  /**
   * The end user the call names (`user_security_context.end_user_id`, `safety_identifier` or
   * `user`, the first present), per `audit.endUser`: as sent, or `hmac:` and a keyed hash.
   */
  endUser?: { id: string; from: EndUserSource };
  /** Who sent the call: its address (via trusted proxies only) and its user agent, bounded. */
  client?: { address: string; userAgent?: string };
  /** Azure's `apim-request-id` of the answer: the id Azure's own logs use for this call. */
  apimRequestId?: string;
  method: string;
  path: string;
  operation: string;
  deployment: string | null;
  whatIf?: true;
  upstream: string | null;
  /** Every call to an upstream, in order; the last one that answered is `upstream`. */
  attempts?: { upstream: string; status?: number; error?: string; ms: number }[];
  stream: boolean;
  images?: { count: number; bytes: number; origins: string[] };
  camera?: {
    source: string;
    mobility: string;
    environment: string;
    origin: { source: string; environment: string };
    exif?: { make?: string; model?: string };
    conflicts?: string[];
  };
  capture?: { value: string; origin: string };
  purposes?: string[];
  evidence?: string[];
  /** Content the model reads that the gateway could not see (docs/request-reading.md). */
  unseen?: string[];
  /** How sure the classifier is of facial identification or verification, when it is at all. */
  recognitionConfidence?: string;
  /**
   * The judge of the uncertain band (docs/classifier.md): what it could change (`raise`,
   * `clear`, `screen`), whether it was asked (never for what-if), its verdict and whether it was
   * applied, its cost and the upstream that answered. The call carried this record's `decisionId`.
   */
  judge?: {
    need: string;
    asked: boolean;
    upstream?: string;
    verdict?: string;
    applied?: boolean;
    cached?: true;
    ms?: number;
    tokens?: { prompt: number; completion: number };
    error?: string;
  };
  /**
   * Stored objects the call named that the gateway never saw, forwarded because the tenant allows
   * them (`externalObjects: allow`): ownership and context not enforced for these.
   */
  unenforcedObjects?: string[];
  decision: string;
  mode: string;
  policies?: string[];
  policyRevision: string;
  status: number;
  error?: string;
  upstreamStatus?: number;
  clientAborted?: true;
  upstreamError?: string;
  latencyMs: { total: number; policy?: number; upstreamTtfb?: number };
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
  bytesIn: number;
  bytesOut: number;
  /**
   * A realtime session's record (status 101, `session` is its own decision id) or a denied event
   * of one (`session` names the session, `event` the client event's type): docs/audit.md.
   */
  realtime?: {
    session: string;
    event?: string;
    eventId?: string;
    eventsIn?: number;
    eventsOut?: number;
    denied?: number;
    refused?: number;
    images?: number;
    peakQueuedBytes?: { toClient: number; toUpstream: number };
    closeCode?: number;
    closedBy?: string;
    closedByPolicy?: string;
  };
  /** What the gateway forwarded without being able to enforce it (`realtime-media`: WebRTC/SIP). */
  unenforced?: string[];
}

/** Builds the audit record of a finished (or abandoned) request. */
export function auditRecord(
  ctx: RequestContext,
  method: string,
  path: string,
  status: number,
  now: number,
): AuditRecord {
  const { facts, decision, proxy } = ctx;
  // The agency the policy judged: for a call judged as several, the one whose evaluation decided.
  const agency = ctx.decidedAs ?? ctx.agency;
  const record: AuditRecord = {
    decisionId: ctx.decisionId,
    requestTime: ctx.time,
    tenant: ctx.tenant?.id ?? null,
    agency: agency?.id ?? null,
    agencyType: agency?.agencyType ?? null,
    jurisdiction: agency ? (agency.jurisdiction.subdivision ?? agency.jurisdiction.country) : null,
    method,
    path: path.length > 512 ? `${path.slice(0, 512)}…` : path,
    operation: facts?.operation ?? ctx.route.operation,
    deployment: facts?.deployment ?? ctx.route.deployment,
    upstream: ctx.upstreamName ?? null,
    stream: facts?.stream ?? false,
    decision: decision?.decision ?? "none", // rejected or abandoned before any decision
    mode: ctx.generation.config.mode,
    policyRevision: decision?.revision ?? ctx.generation.policy.revision,
    status,
    latencyMs: { total: round(now - ctx.startedAt) },
    bytesIn: ctx.bytesIn,
    // What upstream sent through, plus any body the gateway answered itself (a 403, a 502).
    bytesOut: (proxy?.bytesOut ?? 0) + (ctx.answerBytes ?? 0),
  };
  const customerBy = ctx.acting?.customerBy;
  if (customerBy !== undefined) record.customerBy = customerBy;
  if (customerBy === "undeclared") record.judgedAs = ctx.acting!.judgedAs.map((a) => a.id);
  else if (agency?.onBehalfOf !== undefined) record.onBehalfOf = agency.onBehalfOf;
  if (ctx.keyId !== undefined) record.keyId = ctx.keyId;
  if (ctx.endUser !== undefined) record.endUser = ctx.endUser;
  if (ctx.client !== undefined) record.client = ctx.client;
  if (ctx.whatIf) record.whatIf = true;
  if (facts !== undefined) {
    if (facts.images.count > 0) {
      record.images = {
        count: facts.images.count,
        bytes: facts.images.bytes,
        origins: facts.images.origins,
      };
    }
    const camera: NonNullable<AuditRecord["camera"]> = {
      source: facts.camera.source,
      mobility: facts.camera.mobility,
      environment: facts.camera.environment,
      origin: facts.camera.origin,
    };
    if (facts.camera.exif !== undefined) camera.exif = facts.camera.exif;
    if (facts.camera.conflicts.length > 0) camera.conflicts = facts.camera.conflicts;
    record.camera = camera;
    record.capture = { value: facts.capture, origin: facts.captureOrigin };
    record.purposes = facts.purposes;
    record.evidence = facts.evidence.map((e) => `${e.purpose}:${e.rule}@${e.where}`);
    if (facts.unseen.length > 0) record.unseen = facts.unseen;
    if (facts.recognitionConfidence !== "none") {
      record.recognitionConfidence = facts.recognitionConfidence;
    }
    if (ctx.judge !== undefined) record.judge = judgeRecord(ctx.judge);
    const external = ctx.objects?.external;
    if (external !== undefined && external.length > 0) {
      record.unenforcedObjects = external.map((r) => `${r.kind}:${r.id.slice(0, 96)}`);
    }
  }
  if (ctx.unenforced !== undefined) record.unenforced = ctx.unenforced;
  if (decision !== undefined) record.policies = decision.policies.map((p) => p.id);
  if (ctx.policyMs !== undefined) record.latencyMs.policy = round(ctx.policyMs);
  if (ctx.error !== undefined) record.error = ctx.error.code;
  if (proxy !== undefined) {
    if (proxy.upstreamStatus !== undefined) record.upstreamStatus = proxy.upstreamStatus;
    if (proxy.apimRequestId !== undefined) record.apimRequestId = proxy.apimRequestId;
    if (proxy.upstreamTtfbMs !== undefined)
      record.latencyMs.upstreamTtfb = round(proxy.upstreamTtfbMs);
    if (proxy.usage !== undefined) record.usage = proxy.usage;
    if (proxy.clientAborted) record.clientAborted = true;
    if (proxy.midStreamError !== undefined) record.upstreamError = proxy.midStreamError;
  }
  const attempts = ctx.attempts === undefined ? [] : [...ctx.attempts];
  // The call whose answer streamed to the client (held-back answers are already listed).
  if (
    proxy?.upstreamStatus !== undefined &&
    proxy.retry === undefined &&
    proxy.failure === undefined // a refused credential is already listed with its error
  ) {
    attempts.push({
      upstream: ctx.upstreamName ?? "-",
      status: proxy.upstreamStatus,
      ms: round(proxy.upstreamTtfbMs ?? 0),
    });
  }
  if (attempts.length > 0) record.attempts = attempts;
  return record;
}

function judgeRecord(
  judge: NonNullable<RequestContext["judge"]>,
): NonNullable<AuditRecord["judge"]> {
  const { outcome } = judge;
  if (outcome === undefined) return { need: judge.need, asked: false };
  const out: NonNullable<AuditRecord["judge"]> = {
    need: judge.need,
    asked: true,
    upstream: outcome.upstream,
    applied: judge.applied ?? false,
    ms: round(outcome.ms),
  };
  if (outcome.verdict !== undefined) out.verdict = outcome.verdict;
  if (outcome.cached === true) out.cached = true;
  if (outcome.tokens !== undefined) out.tokens = outcome.tokens;
  if (outcome.error !== undefined) out.error = outcome.error;
  return out;
}
