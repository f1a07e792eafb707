/**
 * Stage 2b + 3: parse the body read by the body reader, check the objects it names, classify the
 * request into facts, admit it (frame windows and limits in the shared store) and decide, as
 * Fastify's `preHandler` callback hook. No promise unless the body is multipart, classification
 * has to wait for EXIF, or the shared store is Redis.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { admitRequest } from "../admit/admit.js";
import { requestTokens } from "../admit/tokens.js";
import { endUserOf } from "../attribution.js";
import type { RequestFacts } from "../classify-request/facts.js";
import type { HookDone, StageDeps } from "../data-plane.js";
import { checkObjects } from "../own-objects/hook.js";
import { NO_BODY, type RequestBody, readRequestBody } from "../read-body/request-body.js";
import { decideRequest } from "./decide.js";

/**
 * What runs once a call is allowed, in place of the rest of Fastify's lifecycle: it answers the
 * call itself (taking the reply over) and calls `done` only with an error for Fastify to answer.
 */
export type OnAllowed = (request: FastifyRequest, reply: FastifyReply, done: HookDone) => void;

/**
 * The classify-and-decide stage as a `preHandler` hook. With `onAllowed`, an allowed call goes
 * straight on to it from here: the route handler and the hook runner's remaining steps are left
 * out (docs/performance.md, "Issue 14, round six"); a denied one continues to the handler, which
 * answers its 403.
 */
export function decideHook(deps: StageDeps, onAllowed?: OnAllowed) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookDone): void => {
    try {
      const ctx = request.gw!;
      const raw = request.rawBody;
      const read =
        raw === null || request.bodyFormat === null
          ? NO_BODY
          : readRequestBody(
              ctx.route.operation,
              request.bodyFormat,
              raw,
              request.headers["content-type"],
            );
      const admit = (facts: RequestFacts) =>
        admitRequest(deps, ctx, facts, () => requestTokens(ctx, facts, request.readBody!));
      const decideOn = (body: RequestBody) =>
        decideRequest(ctx, request.headers, body, deps.requestMetrics, admit);
      const decide = (body: RequestBody) => {
        request.readBody = body;
        if (body.kind === "json") {
          const endUser = endUserOf(body.parsed, ctx.generation.config.audit.endUser);
          if (endUser !== undefined) ctx.endUser = endUser;
        }
        const checked = checkObjects(deps, ctx, request, body);
        return checked instanceof Promise ? checked.then(() => decideOn(body)) : decideOn(body);
      };
      const next = () => {
        if (onAllowed === undefined || ctx.decision?.decision === "deny") done();
        else onAllowed(request, reply, done);
      };
      const pending = read instanceof Promise ? read.then(decide) : decide(read);
      if (pending === undefined) next();
      else pending.then(next, done);
    } catch (err) {
      done(err as Error);
    }
  };
}
