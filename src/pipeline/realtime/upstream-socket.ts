/**
 * Opens the upstream side of a realtime session: a `ws` client to the upstream's realtime path
 * with the gateway's own credentials, trying the upstreams that serve the deployment in the
 * balancer's order; a refused or failed handshake (network error, timeout, 429, 5xx) moves on to
 * the next one, any other answer is the session's answer.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import WebSocket from "ws";
import { errors, GatewayHttpError } from "../../errors.js";
import type { RequestContext, UpstreamAttempt } from "../context.js";
import { planAttempts } from "../forward/balancer.js";
import { upstreamRequestHeaders } from "../forward/headers.js";
import type { LiveUpstream } from "../forward/upstreams.js";
import type { RealtimeTarget } from "./target.js";

/** The upstream's own answer to a handshake it refused, passed on to the client. */
export interface RefusedHandshake {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Handshake headers `ws` sets itself (and the credential the gateway replaces). */
const HANDSHAKE_HEADERS = [
  "host",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "content-length",
];

/** Largest refusal body read from an upstream. */
const MAX_REFUSAL_BYTES = 64 * 1024;

function wsOrigin(origin: string): string {
  return origin.replace(/^http(s?):/i, (_m, s: string) => `ws${s}:`);
}

type Attempt =
  | { ok: true; socket: WebSocket }
  | { ok: false; retry: boolean; error: string; refused?: RefusedHandshake };

function attempt(
  url: string,
  protocols: string[],
  headers: Record<string, string | string[]>,
  options: { maxPayload: number; handshakeTimeoutMs: number },
): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, protocols, {
      headers,
      perMessageDeflate: false,
      maxPayload: options.maxPayload,
      handshakeTimeout: options.handshakeTimeoutMs,
      followRedirects: false,
    });
    socket.once("open", () => {
      // Upstream speaks first (`session.created`): nothing is read until the relay listens.
      socket.pause();
      resolve({ ok: true, socket });
    });
    socket.once("unexpected-response", (req, res: IncomingMessage) => {
      const status = res.statusCode ?? 502;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (size < MAX_REFUSAL_BYTES) chunks.push(c);
        size += c.length;
      });
      res.once("end", () => {
        req.destroy();
        const retry = status === 429 || status >= 500;
        resolve({
          ok: false,
          retry,
          error: `handshake ${status}`,
          refused: {
            status,
            contentType: String(res.headers["content-type"] ?? "application/json"),
            body: Buffer.concat(chunks).subarray(0, MAX_REFUSAL_BYTES),
          },
        });
      });
      res.once("error", () => resolve({ ok: false, retry: true, error: "handshake aborted" }));
    });
    socket.once("error", (err: Error & { code?: string }) => {
      resolve({ ok: false, retry: true, error: err.code ?? err.message.slice(0, 64) });
    });
  });
}

function recordAttempt(ctx: RequestContext, attempt: UpstreamAttempt): void {
  if (ctx.attempts === undefined) ctx.attempts = [];
  ctx.attempts.push(attempt);
}

/**
 * Connects upstream for the session `ctx`; attempts are recorded on `ctx.attempts`. Resolves to
 * the open socket, or to the refusal to answer; throws 502/503 when no upstream could be reached.
 */
export async function connectUpstream(
  ctx: RequestContext,
  target: RealtimeTarget,
  incoming: IncomingHttpHeaders,
  protocols: string[],
): Promise<{ socket: WebSocket; upstream: LiveUpstream } | RefusedHandshake> {
  const { generation } = ctx;
  const { upstreams } = generation;
  const now = upstreams[0]?.state.clock() ?? Date.now();
  const plan = planAttempts(
    upstreams,
    target.deployment,
    now,
    upstreams[0]?.state.random ?? Math.random,
  );
  if (plan.order.length === 0) {
    throw plan.unavailable.length === 0
      ? new GatewayHttpError(
          "NotFound",
          `no configured upstream serves deployment \`${target.deployment}\``,
        )
      : new GatewayHttpError(
          "UpstreamUnavailable",
          "every upstream that serves this deployment is unavailable now",
        );
  }
  const { realtime } = generation.config;
  let lastRefusal: RefusedHandshake | undefined;
  let authRefusedBy: string | undefined;
  for (const upstream of plan.order) {
    const started = performance.now();
    let credentials: Readonly<Record<string, string>>;
    try {
      credentials = upstream.credentials.current() ?? (await upstream.credentials.fetch());
    } catch (err) {
      recordAttempt(ctx, {
        upstream: upstream.config.name,
        error: "auth-failed",
        ms: performance.now() - started,
      });
      if (err instanceof GatewayHttpError) continue;
      throw err;
    }
    const headers = upstreamRequestHeaders(incoming, { ...credentials }, ctx.decisionId, undefined);
    for (const name of HANDSHAKE_HEADERS) delete headers[name];
    const url = wsOrigin(upstream.origin) + upstream.config.basePath + target.path + target.query;
    const result = await attempt(url, protocols, headers, {
      maxPayload: realtime.maxMessageBytes,
      handshakeTimeoutMs: realtime.handshakeTimeoutMs,
    });
    const ms = performance.now() - started;
    if (result.ok) {
      ctx.upstreamName = upstream.config.name;
      return { socket: result.socket, upstream };
    }
    if (result.refused?.status === 401) {
      // Azure refused the gateway's own credential: never passed on (docs/operations.md: a tenant never
      // sees Azure's words about a key it never had); the next upstream may do better.
      recordAttempt(ctx, { upstream: upstream.config.name, error: "UpstreamHTTP401", ms });
      authRefusedBy = upstream.config.name;
      continue;
    }
    const record: UpstreamAttempt = {
      upstream: upstream.config.name,
      ms,
    };
    if (result.refused !== undefined) record.status = result.refused.status;
    else record.error = result.error;
    recordAttempt(ctx, record);
    if (!result.retry && result.refused !== undefined) {
      ctx.upstreamName = upstream.config.name;
      return result.refused;
    }
    if (result.refused !== undefined) lastRefusal = result.refused;
  }
  if (lastRefusal !== undefined) return lastRefusal;
  if (authRefusedBy !== undefined) {
    ctx.upstreamName = authRefusedBy;
    throw errors.upstreamRejectedCredential(authRefusedBy);
  }
  throw new GatewayHttpError("UpstreamUnavailable", "no upstream accepted the realtime connection");
}
