/**
 * How the gateway answers on its own: the decision headers every data-plane response carries, the
 * Azure-shaped error answers (through Fastify's error and not-found handlers, on a raw response
 * once Fastify no longer owns the reply, and on a raw socket Node could not parse) and the 403
 * of a denied call. Every error answer goes through here, so all of them have one shape.
 */
import { type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { errors, GatewayHttpError, toGatewayError } from "../errors.js";
import { auditRecord } from "./audit/record.js";
import { routeOf } from "./classify-request/operation.js";
import { clientErrorAnswer, requestLineOf } from "./client-error.js";
import { contextOfResponse, newRequestContext, type RequestContext } from "./context.js";
import type { DataPlaneDeps, StageDeps } from "./data-plane.js";

/** The decision of a call answered before any policy was evaluated (header, audit, metrics). */
export const NO_DECISION = "none";

/**
 * Headers that tell the client which decision applied to its call: `none` when the gateway
 * answered before any policy decision (a 400, 401, 413...: the error code says why), the same
 * value the audit record and the `decision` metric label carry (docs/api.md).
 */
export function decisionHeaders(ctx: RequestContext): Record<string, string> {
  return {
    "x-gateway-decision": ctx.decision?.decision ?? NO_DECISION,
    "x-gateway-decision-id": ctx.decisionId,
  };
}

/**
 * Answers a coded error on a raw response (used once Fastify no longer owns the reply); the
 * body's length goes to `ctx.answerBytes` (the audit's `bytesOut`).
 */
export function writeRawError(
  res: ServerResponse,
  err: GatewayHttpError,
  headers: Record<string, string>,
  ctx?: RequestContext,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(err.toBody());
  if (ctx !== undefined) ctx.answerBytes = Buffer.byteLength(body);
  res.writeHead(err.statusCode, {
    ...headers,
    ...err.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** The coded error for anything a stage or Fastify threw. */
function mapFastifyError(err: unknown, maxBodyBytes: number): GatewayHttpError {
  if (err instanceof GatewayHttpError) return err;
  const code = (err as { code?: string }).code;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return errors.tooLarge(maxBodyBytes);
  if (code === "FST_ERR_CTP_INVALID_CONTENT_LENGTH") {
    return new GatewayHttpError("InvalidRequest", (err as Error).message, { cause: err });
  }
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new GatewayHttpError("UnsupportedMediaType", "the content-type header is not valid", {
      param: "content-type",
      cause: err,
    });
  }
  return toGatewayError(err);
}

/** Answers given before the body was read whole. */
const UNREAD_BODY: ReadonlySet<number> = new Set([408, 413, 415]);

/** Fastify's error handler: an Azure-shaped answer, recorded on the context for the audit. */
export function errorHandler(deps: DataPlaneDeps) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    // Already answered on the raw response (a client error mid-request): keep that answer.
    if (reply.raw.headersSent) return;
    const ctx = request.gw;
    const gwErr = mapFastifyError(err, ctx?.generation.config.limits.maxBodyBytes ?? 0);
    if (gwErr.code === "GatewayError")
      deps.log.error({ err, decisionId: ctx?.decisionId }, "unexpected error");
    if (ctx !== null) ctx.error = gwErr;
    // The rest of the body was not read: close rather than read it to reuse the connection.
    if (UNREAD_BODY.has(gwErr.statusCode)) reply.header("connection", "close");
    const body = JSON.stringify(gwErr.toBody());
    if (ctx !== null) ctx.answerBytes = Buffer.byteLength(body); // the audit's bytesOut
    reply
      .code(gwErr.statusCode)
      .headers(ctx === null ? {} : decisionHeaders(ctx))
      .headers(gwErr.headers)
      .type("application/json")
      .send(body);
  };
}

/** Fastify's not-found handler: an Azure-shaped 404 for paths outside the data plane. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const e = errors.notFound(request.url);
  reply.code(e.statusCode).type("application/json").send(e.toBody());
}

/**
 * Answers `err` on a raw socket no HTTP response owns (a request Node could not parse), closes it, and audits the answer as a request with no tenant. Returns the record's
 * operation, for the metrics.
 */
function answerOnSocket(
  deps: DataPlaneDeps,
  socket: Duplex,
  err: GatewayHttpError,
  request: { method: string; url: string },
): string {
  const ctx = newRequestContext({
    generation: deps.current(),
    url: request.url,
    route: routeOf,
    whatIf: false,
    pinned: false,
  });
  ctx.audited = true;
  ctx.error = err;
  // No headers were parsed, so no X-Forwarded-For: the peer's address is all there is.
  const peer = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
  if (peer !== undefined)
    ctx.client = { address: peer.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1") };
  const body = JSON.stringify(err.toBody());
  if (socket.writable) {
    const answer =
      `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? ""}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-gateway-decision: ${NO_DECISION}\r\nx-gateway-decision-id: ${ctx.decisionId}\r\n` +
      `connection: close\r\n\r\n${body}`;
    ctx.answerBytes = Buffer.byteLength(body);
    socket.end(answer, () => socket.destroy());
  } else {
    socket.destroy();
  }
  const record = auditRecord(ctx, request.method, ctx.path, err.statusCode, performance.now());
  deps.audit.write(record);
  return record.operation;
}

/**
 * Fastify's `clientErrorHandler`: what Node's parser refused before any route ran (a malformed
 * request line or header: 400, headers over `maxHeaderSize`: 431, Node's request or headers
 * timeout: 408) gets the registry's Azure-shaped answer and exactly one audit record (no tenant).
 * When the error hits a request already in the pipeline (a timeout while its body arrives), that
 * request answers it and its own audit records it.
 */
export function clientErrorHandler(deps: StageDeps) {
  return (err: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): void => {
    const answer = clientErrorAnswer(err.code);
    if (answer === undefined || socket.destroyed) return;
    const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    if (inFlight !== undefined && inFlight !== null) {
      const ctx = contextOfResponse(inFlight);
      if (ctx !== undefined && !inFlight.headersSent) ctx.error = answer;
      const headers: Record<string, string> = { connection: "close" };
      writeRawError(
        inFlight,
        answer,
        ctx === undefined ? headers : { ...decisionHeaders(ctx), ...headers },
        ctx,
      );
      return;
    }
    const started = performance.now();
    const line = requestLineOf(err.rawPacket) ?? { method: "-", url: "-" };
    const operation = answerOnSocket(deps, socket, answer, line);
    const seconds = (performance.now() - started) / 1000;
    deps.requestMetrics.request("-", operation, answer.statusCode, "none", seconds);
  };
}

/** The 403 of a denied call (docs/errors.md). */
export function policyViolation(ctx: RequestContext): GatewayHttpError {
  const policies = (ctx.decision?.policies ?? []).map((p) => ({ id: p.id, reason: p.reason }));
  const first = policies[0];
  // An uploaded JSONL file is judged line by line: say which line decided.
  const line = ctx.facts?.evidence.find((e) => /:line\d+/.test(e.where))?.where.match(/:line(\d+)/);
  const where =
    line === undefined || line === null ? "" : ` (line ${line[1]} of the uploaded file)`;
  return new GatewayHttpError(
    "PolicyViolation",
    first === undefined
      ? `the gateway's policy denies this request${where}`
      : `the gateway's policy denies this request${where}: ${first.reason}`,
    { innererror: { code: "GatewayPolicyViolation", decision_id: ctx.decisionId, policies } },
  );
}
