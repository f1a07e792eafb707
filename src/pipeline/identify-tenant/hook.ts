/**
 * Stage 1: pin the config generation for the whole request, build its context, and identify the
 * tenant and the agency it acts for. Registered as Fastify's `onRequest` callback hook, so it runs
 * before any body byte is read: an unknown key never costs a body.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { errors, GatewayHttpError } from "../../errors.js";
import type { Generation } from "../../runtime/generation.js";
import { clientOf } from "../attribution.js";
import { auditOnClose } from "../audit/hook.js";
import { routeOf } from "../classify-request/operation.js";
import { bindResponse, newRequestContext, type RequestContext } from "../context.js";
import { type HookDone, type StageDeps, WHAT_IF_PREFIX } from "../data-plane.js";
import { applyTenantLimits } from "../limit-tenant/hook.js";
import { startRequestSpan } from "../tracing.js";
import { actingFor } from "./acting.js";
import { credentialHeaders, type Identity } from "./identify.js";
import { keysUnavailable } from "./token.js";

/**
 * Runs the stage; returns a promise only while a bearer token is verified (its issuer's keys may
 * have to be fetched), so key-based calls cost none.
 */
function identify(
  deps: StageDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  whatIf: boolean,
): Promise<void> | undefined {
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
  ctx.client = clientOf(request.raw, generation.config.listen.trustedProxies);
  request.gw = ctx;
  bindResponse(reply.raw, ctx);
  reply.raw.once("close", () => auditOnClose(deps, request, reply.raw));
  if (refused !== undefined) throw refused;
  const declaredLength = Number(request.headers["content-length"] ?? 0);
  if (declaredLength > generation.config.limits.maxBodyBytes) {
    throw errors.tooLarge(generation.config.limits.maxBodyBytes);
  }
  const identity = generation.identifier.authenticate(credentialHeaders(request.raw.rawHeaders));
  if (identity instanceof Promise) {
    return identity.then((verified) => identified(deps, request, ctx, verified));
  }
  identified(deps, request, ctx, identity);
  return undefined;
}

/** The rest of the stage once the caller is known: who it acts for, the route, its limits. */
function identified(
  deps: StageDeps,
  request: FastifyRequest,
  ctx: RequestContext,
  identity: Identity,
): void {
  ctx.tenant = identity.tenant;
  if (identity.keyId !== undefined) ctx.keyId = identity.keyId;
  ctx.acting = actingFor(identity, request.headers["x-gateway-on-behalf-of"]);
  ctx.agency = ctx.acting.agency;
  if (ctx.route.problem !== undefined) {
    throw new GatewayHttpError(
      "InvalidRequest",
      `the path does not name exactly one Azure OpenAI operation and deployment: ${ctx.route.problem}`,
      { param: "path" },
    );
  }
  if (ctx.route.operation === "realtime") realtimeOverHttp(ctx, identity.tenant.webrtcAllowed);
  applyTenantLimits(deps.limiters, ctx, ctx.startedAt, deps.store.type !== "memory");
  // The client left while its token was verified: its close already ran, so free the slot now.
  if (ctx.audited) ctx.releaseSlot?.();
}

/**
 * HTTP calls to the realtime paths. What-if takes the session so far as a JSON array of client
 * events and names the deployment in the query, as the WebSocket does. Any other realtime HTTP
 * call sets up WebRTC or SIP (an ephemeral client key, `realtime/calls`), whose media the gateway
 * never sees: refused unless the tenant opts in, then audited as unenforced.
 */
function realtimeOverHttp(ctx: RequestContext, webrtcAllowed: boolean): void {
  const path = ctx.whatIf ? ctx.path.slice(WHAT_IF_PREFIX.length) : ctx.path;
  const lower = path.replace(/\/+$/, "").toLowerCase();
  const session = lower === "/openai/realtime" || lower === "/openai/v1/realtime";
  if (ctx.whatIf && session) {
    const query = new URLSearchParams(ctx.query);
    const deployment = query.get("deployment") ?? query.get("model");
    ctx.route = { ...ctx.route, deployment };
    return;
  }
  if (session) {
    throw new GatewayHttpError(
      "InvalidRequest",
      "a realtime session is a WebSocket: connect to this path with an upgrade (wss:)",
    );
  }
  if (!webrtcAllowed) throw errors.realtimeMediaDenied();
  ctx.unenforced = ["realtime-media"];
}

/** An issuer's keys out of reach fail every token call: the operator hears of it (no token). */
function logKeysUnavailable(deps: StageDeps, request: FastifyRequest, err: unknown): void {
  let cause = err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  deps.log.warn(
    { decisionId: request.gw?.decisionId, err: (cause as Error).message },
    "a tenant token could not be verified: the issuer's signing keys are out of reach",
  );
}

/**
 * The identify stage as an `onRequest` callback hook (an async hook costs a promise per request;
 * only token verification makes one).
 */
export function identifyHook(deps: StageDeps, whatIf: boolean) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookDone): void => {
    try {
      const pending = identify(deps, request, reply, whatIf);
      if (pending === undefined) done();
      else
        pending.then(
          () => done(),
          (err: unknown) => {
            if (keysUnavailable(err)) logKeysUnavailable(deps, request, err);
            done(err as Error);
          },
        );
    } catch (err) {
      done(err as Error);
    }
  };
}
