/**
 * Judges one client event of a realtime session exactly as an HTTP call is judged (classify, then
 * decide, the judge of the uncertain band included), on a body that is the session so far plus
 * the event, with the session's images joined in as a conversation's. Each event gets its own
 * decision id and context, so a denied event is audited like a denied call.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { RequestMetrics } from "../../admin/request-metrics.js";
import type { RuntimeTenant } from "../../config/index.js";
import type { Generation } from "../../runtime/generation.js";
import type { RouteInfo } from "../classify-request/operation.js";
import { newRequestContext, type RequestContext } from "../context.js";
import { decideRequest } from "../evaluate-policy/decide.js";
import type { Acting } from "../identify-tenant/acting.js";
import type { Agency } from "../identify-tenant/agency.js";
import type { SessionContext } from "./session-context.js";

/** Who a session acts as and on what: fixed when it opens. */
export interface SessionIdentity {
  generation: Generation;
  url: string;
  route: RouteInfo;
  /** The upgrade request's headers: declarations (`x-gateway-*`) hold for the whole session. */
  headers: IncomingHttpHeaders;
  tenant: RuntimeTenant;
  agency: Agency;
  acting: Acting;
  keyId?: string;
}

/** A fresh request context for one event of the session, identified as the session is. */
export function eventContext(who: SessionIdentity): RequestContext {
  const ctx = newRequestContext({
    generation: who.generation,
    url: who.url,
    route: () => who.route,
    whatIf: false,
    pinned: false,
  });
  ctx.tenant = who.tenant;
  ctx.agency = who.agency;
  ctx.acting = who.acting;
  if (who.keyId !== undefined) ctx.keyId = who.keyId;
  return ctx;
}

/**
 * Classifies and decides `event` (its raw text `raw`) in the session `session`; the decision and
 * facts are on the returned context. Throws the coded 400s an HTTP body would get (a repeated
 * key, unparseable image data). Returns a promise only when EXIF or the judge must be awaited.
 */
export function judgeEvent(
  who: SessionIdentity,
  session: SessionContext,
  event: unknown,
  raw: string,
  metrics: RequestMetrics,
): RequestContext | Promise<RequestContext> {
  const ctx = eventContext(who);
  ctx.bytesIn = Buffer.byteLength(raw);
  if (session.version > 0) {
    ctx.objects = {
      use: { refs: [] },
      owner: { tenantId: who.tenant.id },
      known: [session.asRecord(who.tenant.id, who.agency.onBehalfOf)],
      external: [],
    };
  }
  const body = { kind: "json" as const, ...session.bodyFor(event, raw) };
  const pending = decideRequest(ctx, who.headers, body, metrics);
  return pending === undefined ? ctx : pending.then(() => ctx);
}
