/**
 * Stage 4: forward an allowed call to its upstream with the gateway's credentials and stream the
 * answer back. Glue between the request context and `proxyCall`.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import { GatewayHttpError } from "../../errors.js";
import type { RequestContext } from "../context.js";
import { decisionHeaders, writeRawError } from "../respond.js";
import { upstreamRequestHeaders } from "./headers.js";
import { newProxyOutcome, proxyCall } from "./proxy.js";
import { upstreamsFor } from "./upstreams.js";

/** Forwards the request of `ctx`; answers errors itself (the reply is hijacked). */
export async function forwardRequest(
  ctx: RequestContext,
  request: FastifyRequest,
  res: ServerResponse,
  body: Buffer | NodeJS.ReadableStream | null,
): Promise<void> {
  const { generation } = ctx;
  const deployment = ctx.facts?.deployment ?? null;
  const candidates = upstreamsFor(generation.upstreams, deployment);
  const upstream = candidates[0];
  const extra = decisionHeaders(ctx);
  if (upstream === undefined) {
    ctx.error = new GatewayHttpError(
      "NotFound",
      `no upstream serves deployment \`${deployment ?? "(none)"}\``,
    );
    writeRawError(res, ctx.error, extra);
    return;
  }
  ctx.upstreamName = upstream.config.name;
  const url = request.url;
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const path =
    upstream.config.basePath + rawPath.replace(/^\/{2,}/, "/") + (q < 0 ? "" : url.slice(q));
  let bodyLength: number | undefined;
  if (Buffer.isBuffer(body)) bodyLength = body.length;
  else if (body !== null) {
    const declared = request.headers["content-length"];
    bodyLength = declared === undefined ? undefined : Number(declared);
  }
  const outcome = newProxyOutcome();
  ctx.proxy = outcome;
  await proxyCall(
    {
      upstream,
      method: request.method,
      path,
      headers: upstreamRequestHeaders(
        request.headers,
        upstream.credentials(),
        ctx.decisionId,
        bodyLength,
      ),
      body: body as Buffer | Readable | null,
      res,
      responseHeaders: extra,
      timeoutMs: generation.config.limits.upstreamTimeoutMs,
    },
    outcome,
  );
  if (outcome.failure !== undefined) {
    ctx.error = outcome.failure; // set before the answer closes the response, so the audit has it
    writeRawError(res, outcome.failure, extra);
  }
}
