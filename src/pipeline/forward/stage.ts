/**
 * Stage 4: forward an allowed call to its upstream with the gateway's credentials and stream the
 * answer back. Glue between the request context and `proxyCall`, and the failover loop:
 *
 * - the attempt order comes from `planAttempts` (priority, weight, breakers, cool-downs);
 * - the next upstream is tried after a connect error or reset, a 429 or a 5xx, as long as nothing
 *   was written to the client and the request body can be sent again (JSON bodies are buffers;
 *   a streamed body, such as a multipart upload, only until upstream started reading it);
 * - a timeout is not retried: the call may be running upstream, and the client's time is spent;
 * - when no upstream does better, the last upstream answer held back is replayed unchanged, else
 *   the last failure is answered as a coded error.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import { errors, GatewayHttpError } from "../../errors.js";
import type { RequestContext, UpstreamAttempt } from "../context.js";
import { decisionHeaders, writeRawError } from "../respond.js";
import { injectSpanContext } from "../tracing.js";
import { type AttemptPlan, planAttempts } from "./balancer.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "./headers.js";
import { newProxyOutcome, type ProxyCall, type ProxyOutcome, proxyCall } from "./proxy.js";

type Body = Buffer | NodeJS.ReadableStream | null;

/** Forwards the request of `ctx`; answers errors itself (the reply is hijacked). */
export async function forwardRequest(
  ctx: RequestContext,
  request: FastifyRequest,
  res: ServerResponse,
  body: Body,
  answer: Pick<ProxyCall, "headBytes" | "rewrite"> = {},
): Promise<void> {
  const { generation } = ctx;
  const deployment = ctx.facts?.deployment ?? null;
  const extra = decisionHeaders(ctx);
  const upstreams = generation.upstreams;
  const state = upstreams[0]?.state;
  const plan: AttemptPlan =
    state === undefined
      ? { order: [], unavailable: [] }
      : planAttempts(upstreams, deployment, state.clock(), state.random);
  const { order } = plan;
  if (order.length === 0) {
    ctx.error =
      plan.unavailable.length === 0
        ? new GatewayHttpError(
            "NotFound",
            `no upstream serves deployment \`${deployment ?? "(none)"}\``,
          )
        : noUpstreamAvailable(deployment, plan, state!.clock());
    writeRawError(res, ctx.error, extra, ctx);
    return;
  }

  const pathAndQuery = ctx.path + ctx.query;
  let bodyLength: number | undefined;
  if (Buffer.isBuffer(body)) bodyLength = body.length;
  else if (body !== null) {
    const declared = request.headers["content-length"];
    bodyLength = declared === undefined ? undefined : Number(declared);
  }
  // Only a buffered body can be sent again after upstream has answered.
  const resendable = body === null || Buffer.isBuffer(body);
  const timeoutMs = generation.config.limits.upstreamTimeoutMs;

  /** The last 429/5xx held back, to replay when no later upstream answers. */
  let heldBack: { upstream: string; outcome: ProxyOutcome } | undefined;
  let failure: GatewayHttpError | undefined;
  for (let i = 0; i < order.length; i++) {
    const upstream = order[i]!;
    const name = upstream.config.name;
    if (i > 0) {
      if (res.destroyed) {
        if (ctx.proxy !== undefined) ctx.proxy.clientAborted = true;
        return;
      }
      if (!resendable && isDisturbed(body as Readable)) break;
    }
    const health = upstream.health;
    if (!health.breaker.tryAcquire(upstream.state.clock())) continue; // a trial already runs
    const started = performance.now();
    let credentials = upstream.credentials.current();
    if (credentials === undefined) {
      try {
        credentials = await upstream.credentials.fetch();
      } catch (err) {
        health.settle("auth-failed");
        failure = err instanceof GatewayHttpError ? err : errors.upstreamUnavailable(name, err);
        ctx.upstreamName = name;
        record(ctx, { upstream: name, error: failure.code, ms: performance.now() - started });
        continue;
      }
    }
    ctx.upstreamName = name;
    const outcome = newProxyOutcome();
    ctx.proxy = outcome;
    const headers = upstreamRequestHeaders(
      request.headers,
      credentials,
      ctx.decisionId,
      bodyLength,
    );
    // The gateway decoded the body to read it, and forwards what it read.
    if (ctx.bodyDecoded === true) delete headers["content-encoding"];
    if (ctx.span !== undefined) injectSpanContext(ctx.span, headers);
    await proxyCall(
      {
        upstream,
        method: request.method,
        path: upstream.config.basePath + pathAndQuery,
        headers,
        body: body as Buffer | Readable | null,
        res,
        responseHeaders: extra,
        timeoutMs,
        failover: resendable && i < order.length - 1,
        ...answer,
      },
      outcome,
    );
    if (outcome.retryAfterMs !== undefined) {
      health.coolDown(deployment ?? "", outcome.retryAfterMs, upstream.state.clock());
      // Azure's quota is the deployment's, not this replica's: the fleet hears of it too.
      upstream.state.onCoolDown?.(name, deployment ?? "", outcome.retryAfterMs);
    }
    if (outcome.retry !== undefined) {
      record(ctx, {
        upstream: name,
        status: outcome.retry.status,
        ms: performance.now() - started,
      });
      if (outcome.clientAborted) return;
      heldBack = { upstream: name, outcome };
      continue;
    }
    if (outcome.failure === undefined) return; // answered (or the client left): done
    failure = outcome.failure;
    record(ctx, {
      upstream: name,
      error: (failure.cause as { code?: string } | undefined)?.code ?? failure.code,
      ms: performance.now() - started,
    });
    if (failure.code === "UpstreamTimeout") break;
  }

  if (res.destroyed) {
    if (ctx.proxy !== undefined) ctx.proxy.clientAborted = true;
    return;
  }
  const kept = heldBack?.outcome.retry?.body;
  if (heldBack !== undefined && kept != null) {
    // No upstream did better: the last upstream answer, unchanged (rather than a gateway error
    // for a later connect failure: a 429's retry-after is worth more to the client).
    const { outcome, upstream } = heldBack;
    ctx.upstreamName = upstream;
    ctx.proxy = outcome;
    outcome.bytesOut = kept.length;
    res.writeHead(outcome.retry!.status, clientResponseHeaders(outcome.retry!.headers, extra));
    res.end(kept);
    return;
  }
  ctx.error =
    failure ??
    (heldBack === undefined
      ? noUpstreamAvailable(deployment, plan, state!.clock())
      : errors.upstreamUnavailable(heldBack.upstream, new Error("error answer not kept")));
  writeRawError(res, ctx.error, extra, ctx); // set before the answer closes the response, so the audit has it
}

function record(ctx: RequestContext, attempt: UpstreamAttempt): void {
  attempt.ms = Math.round(attempt.ms * 1000) / 1000;
  if (ctx.attempts === undefined) ctx.attempts = [attempt];
  else ctx.attempts.push(attempt);
}

/** Whether upstream started reading a streamed body (then it cannot be sent again). */
function isDisturbed(body: Readable): boolean {
  return body.readableDidRead || body.destroyed;
}

/** 502 naming why no upstream can take the call, with `retry-after` for the soonest. */
function noUpstreamAvailable(
  deployment: string | null,
  plan: AttemptPlan,
  now: number,
): GatewayHttpError {
  let soonest = Number.POSITIVE_INFINITY;
  const parts = plan.unavailable.map((u) => {
    soonest = Math.min(soonest, u.until);
    const seconds = Math.max(0, Math.ceil((u.until - now) / 1000));
    return `\`${u.upstream}\` ${u.reason === "circuit-open" ? "circuit open" : "cooling down"} for ${seconds} s`;
  });
  const message =
    parts.length === 0
      ? `no upstream is available for deployment \`${deployment ?? "(none)"}\``
      : `no upstream is available for deployment \`${deployment ?? "(none)"}\`: ${parts.join(", ")}`;
  const headers: Record<string, string> =
    soonest === Number.POSITIVE_INFINITY
      ? {}
      : { "retry-after": String(Math.max(1, Math.ceil((soonest - now) / 1000))) };
  return new GatewayHttpError("UpstreamUnavailable", message, { headers });
}
