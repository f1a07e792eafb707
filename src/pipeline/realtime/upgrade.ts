/**
 * The data plane's WebSocket upgrades: the Realtime API (docs/api.md "Realtime"). Identifies the
 * tenant from any place a realtime client puts its key, opens the upstream side with the gateway's
 * credentials, then completes the client's handshake and relays the session, judging every client
 * event. What cannot be served (no tenant, bad path, no upstream, a shutdown) is an audited HTTP
 * answer on the socket, as on the HTTP path.
 */
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { tenantLabel } from "../../admin/bounded-labels.js";
import { errors, GatewayHttpError } from "../../errors.js";
import type { Generation } from "../../runtime/generation.js";
import { admitSession } from "../admit/realtime.js";
import { clientOf } from "../attribution.js";
import { auditRecord } from "../audit/record.js";
import { upstreamFailureLine } from "../audit/upstream-failure.js";
import { newRequestContext, type RequestContext } from "../context.js";
import type { StageDeps } from "../data-plane.js";
import { actingFor } from "../identify-tenant/acting.js";
import { credentialHeaders } from "../identify-tenant/identify.js";
import { applyTenantLimits } from "../limit-tenant/hook.js";
import type { SessionIdentity } from "./judge-event.js";
import { RealtimeRelay } from "./relay.js";
import {
  forwardableSubprotocols,
  offeredSubprotocols,
  type RealtimeTarget,
  realtimeRoute,
  realtimeTarget,
  upgradeCredentials,
} from "./target.js";
import { connectUpstream, type RefusedHandshake } from "./upstream-socket.js";

/** The subprotocol the gateway answers with, chosen per upgrade (upstream's choice). */
const CHOSEN = Symbol("realtime.subprotocol");
type UpgradeRequest = IncomingMessage & { [CHOSEN]?: string | false };

/** One `ws` server (no listener of its own) per config generation: its frame limit is the config's. */
const servers = new WeakMap<Generation, WebSocketServer>();

function serverFor(generation: Generation): WebSocketServer {
  let wss = servers.get(generation);
  if (wss === undefined) {
    wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: generation.config.realtime.maxMessageBytes,
      clientTracking: false,
      handleProtocols: (_offered, req) => (req as UpgradeRequest)[CHOSEN] ?? false,
    });
    servers.set(generation, wss);
  }
  return wss;
}

/** Writes an HTTP answer on a socket no response owns and closes it. */
function answer(
  socket: Duplex,
  status: number,
  contentType: string,
  body: Buffer,
  decisionId: string,
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: ${contentType}\r\n` +
    `content-length: ${body.length}\r\nx-gateway-decision-id: ${decisionId}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head), body]), () => socket.destroy());
}

/** Handles data-plane `upgrade` events. */
export function realtimeUpgradeHandler(deps: StageDeps) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    void openSession(deps, req as UpgradeRequest, socket, head);
  };
}

async function openSession(
  deps: StageDeps,
  req: UpgradeRequest,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const url = req.url ?? "/";
  let generation: Generation;
  let pinned = true;
  let refusedAtStart: unknown;
  try {
    generation = deps.acquire();
  } catch (err) {
    refusedAtStart = err; // shutting down: answered below on the current generation
    generation = deps.current();
    pinned = false;
  }
  let target: RealtimeTarget | { sideband: true } | undefined;
  const ctx = newRequestContext({
    generation,
    url,
    route: () => ({ operation: "realtime", deployment: null, family: "other" }),
    whatIf: false,
    pinned,
  });
  ctx.client = clientOf(req, generation.config.listen.trustedProxies);
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    ctx.releaseSlot?.();
    if (ctx.pinned) deps.release(ctx.generation);
    const record = auditRecord(ctx, "GET", ctx.path, status, performance.now());
    deps.audit.write(record);
    const failed = upstreamFailureLine(ctx, record);
    if (failed !== undefined) deps.log.warn(failed, "upstream failed");
  };
  try {
    if (refusedAtStart !== undefined) throw refusedAtStart;
    if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
      throw new GatewayHttpError("InvalidRequest", "only WebSocket upgrades are served");
    }
    target = realtimeTarget(url);
    const subprotocols = offeredSubprotocols(req.headers["sec-websocket-protocol"]);
    // A bearer JWT (header or `authorization` query parameter) is verified as on HTTP.
    const identity = await generation.identifier.authenticate(
      upgradeCredentials(credentialHeaders(req.rawHeaders), url, subprotocols),
    );
    ctx.tenant = identity.tenant;
    if (identity.keyId !== undefined) ctx.keyId = identity.keyId;
    ctx.acting = actingFor(identity, req.headers["x-gateway-on-behalf-of"]);
    ctx.agency = ctx.acting.agency;
    if ("sideband" in target) {
      // A control channel of a WebRTC/SIP call: the media never crosses the gateway.
      throw errors.realtimeMediaDenied();
    }
    ctx.route = realtimeRoute(target);
    applyTenantLimits(deps.limiters, ctx, ctx.startedAt, deps.store.type !== "memory");
    await admitSession(deps, ctx);
    const upstream = await connectUpstream(
      ctx,
      target,
      req.headers,
      forwardableSubprotocols(subprotocols),
    );
    if (!("socket" in upstream)) {
      passRefusal(socket, upstream, ctx);
      finish(upstream.status);
      return;
    }
    if (socket.destroyed) {
      upstream.socket.terminate();
      finish(499);
      return;
    }
    req[CHOSEN] = upstream.socket.protocol === "" ? false : upstream.socket.protocol;
    const who: SessionIdentity = {
      generation,
      url,
      route: ctx.route,
      headers: req.headers,
      tenant: identity.tenant,
      agency: ctx.agency,
      acting: ctx.acting,
      ...(identity.keyId === undefined ? {} : { keyId: identity.keyId }),
    };
    serverFor(generation).handleUpgrade(req, socket, head, (client) => {
      finished = true; // the session audits itself when it ends
      const tenant = tenantLabel(identity.tenant.id, generation.config);
      deps.metrics.realtimeSessions.labels(tenant).inc();
      const relay: RealtimeRelay = new RealtimeRelay({
        deps,
        who,
        ctx,
        client,
        upstream: upstream.socket,
        onEnd: () => {
          deps.realtime.delete(relay);
          deps.metrics.realtimeSessions.labels(tenant).dec();
          ctx.releaseSlot?.();
          if (ctx.pinned) deps.release(ctx.generation);
        },
      });
      deps.realtime.add(relay);
    });
  } catch (err) {
    const e =
      err instanceof GatewayHttpError
        ? err
        : new GatewayHttpError("GatewayError", "the gateway failed to open the realtime session", {
            cause: err,
          });
    if (!(err instanceof GatewayHttpError)) deps.log.error({ err }, "realtime upgrade failed");
    ctx.error = e;
    answer(
      socket,
      e.statusCode,
      "application/json",
      Buffer.from(JSON.stringify(e.toBody())),
      ctx.decisionId,
    );
    finish(e.statusCode);
  }
}

function passRefusal(socket: Duplex, refused: RefusedHandshake, ctx: RequestContext): void {
  answer(socket, refused.status, refused.contentType, refused.body, ctx.decisionId);
}
