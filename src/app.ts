/**
 * The data plane: registers the pipeline stages in order (identify, classify + decide, forward,
 * audit) on a Fastify instance. Never listens; `runtime/gateway.ts` does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { GatewayMetrics } from "./admin/metrics.js";
import { RequestMetrics } from "./admin/request-metrics.js";
import { errors, GatewayHttpError, toGatewayError } from "./errors.js";
import { auditRecord } from "./pipeline/audit/record.js";
import type { AuditSink } from "./pipeline/audit/sink.js";
import { BodyLimitStream, collectBody, parseJsonBody, restoreBlobs } from "./pipeline/body.js";
import { routeOf } from "./pipeline/classify-request/operation.js";
import { newRequestContext, type RequestContext } from "./pipeline/context.js";
import { decideRequest } from "./pipeline/decide-stage.js";
import { withSecurityContext } from "./pipeline/forward/security-context.js";
import { forwardRequest } from "./pipeline/forward/stage.js";
import { effectiveAgency } from "./pipeline/identify-tenant/identify.js";
import { decisionHeaders } from "./pipeline/respond.js";
import { endRequestSpan, startRequestSpan } from "./pipeline/tracing.js";
import { whatIfAnswer } from "./pipeline/what-if.js";
import type { Generation } from "./runtime/generation.js";

declare module "fastify" {
  interface FastifyRequest {
    gw: RequestContext | null;
    /** The raw JSON body, kept to forward the original bytes unchanged. */
    rawJson: Buffer | null;
    /** The parsed JSON body (parsed once, by the classification stage). */
    parsedJson: unknown;
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
}

const WHAT_IF_PREFIX = "/_gateway/evaluate";
type HookDone = (err?: Error) => void;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

function mapFastifyError(err: unknown, maxBodyBytes: number): GatewayHttpError {
  if (err instanceof GatewayHttpError) return err;
  const code = (err as { code?: string }).code;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return errors.tooLarge(maxBodyBytes);
  if (code === "FST_ERR_CTP_INVALID_CONTENT_LENGTH" || code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new GatewayHttpError("InvalidRequest", (err as Error).message, { cause: err });
  }
  return toGatewayError(err);
}

/** Builds the data-plane Fastify instance. */
export function buildDataPlane(deps: DataPlaneDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    routerOptions: { ignoreDuplicateSlashes: true },
    bodyLimit: 2 ** 31 - 1, // enforced per generation by the parsers below
    return503OnClosing: false, // the pipeline answers an Azure-shaped 503 itself
    forceCloseConnections: false,
  });
  app.decorateRequest("gw", null);
  const metrics = new RequestMetrics(deps.metrics);
  app.decorateRequest("rawJson", null);
  app.decorateRequest("parsedJson", undefined);

  /** The body limit of the generation the request pinned. */
  const bodyLimitOf = (request: FastifyRequest) =>
    (request.gw?.generation ?? deps.current()).config.limits.maxBodyBytes;

  // JSON: buffer the raw bytes once; classification parses them, forwarding sends them unchanged.
  app.removeAllContentTypeParsers();
  const jsonParser = (
    request: FastifyRequest,
    payload: IncomingMessage,
    done: (err: Error | null, body?: unknown) => void,
  ) => {
    collectBody(payload, bodyLimitOf(request), (err, body) => {
      if (err !== null) {
        done(err, undefined);
        return;
      }
      request.rawJson = body ?? Buffer.alloc(0);
      if (request.gw !== null) request.gw.bytesIn = request.rawJson.length;
      done(null, request.rawJson);
    });
  };
  app.addContentTypeParser("application/json", jsonParser);
  app.addContentTypeParser(/^application\/[\w.+-]*\+json/, jsonParser);
  // Anything else (multipart uploads, audio, octet-stream) streams through, counted against the limit.
  app.addContentTypeParser("*", (request, payload, done) => {
    const counter = new BodyLimitStream(bodyLimitOf(request));
    counter.on("end", () => {
      if (request.gw !== null) request.gw.bytesIn = counter.bytes;
    });
    payload.on("error", (err) => counter.destroy(err));
    payload.pipe(counter);
    done(null, counter);
  });

  app.setErrorHandler((err, request, reply) => {
    const ctx = request.gw;
    const gwErr = mapFastifyError(err, ctx?.generation.config.limits.maxBodyBytes ?? 0);
    if (gwErr.code === "GatewayError")
      deps.log.error({ err, decisionId: ctx?.decisionId }, "unexpected error");
    if (ctx !== null) ctx.error = gwErr;
    if (gwErr.statusCode === 413) reply.header("connection", "close");
    reply
      .code(gwErr.statusCode)
      .headers(ctx === null ? {} : decisionHeaders(ctx))
      .headers(gwErr.headers)
      .type("application/json")
      .send(gwErr.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const e = errors.notFound(request.url);
    reply.code(e.statusCode).type("application/json").send(e.toBody());
  });

  const finish = (request: FastifyRequest, res: ServerResponse) => {
    const ctx = request.gw;
    if (ctx === null || ctx.audited) return;
    ctx.audited = true;
    if (ctx.pinned) deps.release(ctx.generation);
    const now = performance.now();
    const aborted = !res.writableFinished;
    const status = res.headersSent ? res.statusCode : 499;
    const record = auditRecord(ctx, request.method, ctx.path, status, now);
    // The response closed before it was complete and upstream did not cut it: the client left.
    if (aborted && record.upstreamError === undefined) record.clientAborted = true;
    deps.audit.write(record);
    if (ctx.span !== undefined) {
      endRequestSpan(
        ctx.span,
        {
          "gateway.decision_id": record.decisionId,
          "gateway.tenant": record.tenant ?? undefined,
          "gateway.operation": record.operation,
          "gateway.deployment": record.deployment ?? undefined,
          "gateway.decision": record.decision,
          "gateway.policies": record.policies?.join(","),
          "gateway.upstream": record.upstream ?? undefined,
        },
        status,
      );
    }
    metrics.request(
      record.tenant ?? "-",
      record.operation,
      status,
      record.decision,
      (now - ctx.startedAt) / 1000,
      ctx.proxy?.upstreamTtfbMs !== undefined && ctx.upstreamName !== undefined
        ? { name: ctx.upstreamName, ttfbSeconds: ctx.proxy.upstreamTtfbMs / 1000 }
        : undefined,
      record.usage === undefined
        ? undefined
        : { deployment: record.deployment ?? "-", ...record.usage },
    );
  };

  // Stage 1: identify the tenant (and pin the config generation for the whole request).
  const identify = (request: FastifyRequest, reply: FastifyReply, whatIf: boolean): void => {
    let generation: Generation;
    let refused: unknown;
    try {
      generation = deps.acquire();
    } catch (err) {
      refused = err; // shutting down: answered (and audited) below on the current generation
      generation = deps.current();
    }
    const ctx = newRequestContext({
      generation,
      url: request.url,
      route: (path) => routeOf(whatIf ? path.slice(WHAT_IF_PREFIX.length) : path),
      whatIf,
      pinned: refused === undefined,
    });
    if (generation.config.tracing.enabled) {
      ctx.span = startRequestSpan(request.method, ctx.path, request.headers);
    }
    request.gw = ctx;
    reply.raw.once("close", () => finish(request, reply.raw));
    if (refused !== undefined) throw refused;
    const declaredLength = Number(request.headers["content-length"] ?? 0);
    if (declaredLength > generation.config.limits.maxBodyBytes) {
      throw errors.tooLarge(generation.config.limits.maxBodyBytes);
    }
    const tenant = generation.identifier.identify(request.headers);
    ctx.tenant = tenant;
    ctx.agency = effectiveAgency(tenant, request.headers["x-gateway-on-behalf-of"]);
  };

  /** Stage 2 as a callback hook: no promise unless classification has to wait for EXIF. */
  const decide = (request: FastifyRequest, _reply: FastifyReply, done: HookDone): void => {
    try {
      const ctx = request.gw!;
      const body = request.rawJson === null ? undefined : parseJsonBody(request.rawJson);
      request.parsedJson = body;
      const pending = decideRequest(ctx, request.headers, body, metrics);
      if (pending === undefined) done();
      else pending.then(() => done(), done);
    } catch (err) {
      done(err as Error);
    }
  };
  /** Stage 1 as a callback hook (an async hook would cost a promise per request). */
  const identifyHook =
    (whatIf: boolean) =>
    (request: FastifyRequest, reply: FastifyReply, done: HookDone): void => {
      try {
        identify(request, reply, whatIf);
        done();
      } catch (err) {
        done(err as Error);
      }
    };

  app.register(async (dataPlane) => {
    dataPlane.route({
      method: METHODS,
      url: "/openai/*",
      onRequest: identifyHook(false),
      preHandler: decide,
      handler: async (request, reply) => {
        const ctx = request.gw!;
        if (ctx.decision?.decision === "deny") throw policyViolation(ctx);
        let body = request.rawJson ?? (request.body as NodeJS.ReadableStream | undefined) ?? null;
        const tenant = ctx.tenant!;
        if (tenant.userSecurityContext && request.rawJson !== null) {
          // A large body's base64 strings are placeholders until `restoreBlobs` puts them back.
          body =
            restoreBlobs(
              request.parsedJson,
              withSecurityContext(request.parsedJson, {
                operation: ctx.route.operation,
                tenantId: tenant.id,
                agencyId: ctx.agency!.id,
                sourceIp: request.ip,
              }),
            ) ?? body;
        }
        reply.hijack();
        await forwardRequest(ctx, request, reply.raw, body);
      },
    });
    dataPlane.route({
      method: ["POST", "PUT", "GET", "DELETE", "PATCH"],
      url: `${WHAT_IF_PREFIX}/*`,
      onRequest: identifyHook(true),
      preHandler: decide,
      handler: async (request, reply) => {
        const ctx = request.gw!;
        reply.headers(decisionHeaders(ctx)).type("application/json");
        return whatIfAnswer(ctx);
      },
    });
  });
  // WebSocket upgrades (the Realtime API) are not proxied yet: answer a clear, audited 501 rather
  // than letting Node drop the socket without a word.
  app.server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    const err = new GatewayHttpError(
      "NotImplemented",
      "the gateway does not proxy WebSocket connections (Realtime API) yet: use the HTTP APIs",
    );
    const ctx = newRequestContext({
      generation: deps.current(),
      url: req.url ?? "/",
      route: routeOf,
      whatIf: false,
      pinned: false,
    });
    ctx.audited = true;
    ctx.error = err;
    const body = JSON.stringify(err.toBody());
    socket.end(
      `HTTP/1.1 501 Not Implemented\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nx-gateway-decision: deny\r\n` +
        `x-gateway-decision-id: ${ctx.decisionId}\r\nconnection: close\r\n\r\n${body}`,
    );
    deps.audit.write(auditRecord(ctx, req.method ?? "GET", ctx.path, 501, performance.now()));
  });
  return app;
}

/** The 403 of a denied call (PRODUCT.md section 6). */
export function policyViolation(ctx: RequestContext): GatewayHttpError {
  const policies = (ctx.decision?.policies ?? []).map((p) => ({ id: p.id, reason: p.reason }));
  const first = policies[0];
  return new GatewayHttpError(
    "PolicyViolation",
    first === undefined
      ? "the gateway's policy denies this request"
      : `the gateway's policy denies this request: ${first.reason}`,
    { innererror: { code: "GatewayPolicyViolation", decision_id: ctx.decisionId, policies } },
  );
}
