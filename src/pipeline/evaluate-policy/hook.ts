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

/** The classify-and-decide stage as a `preHandler` hook. */
export function decideHook(deps: StageDeps) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookDone): void => {
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
      const pending = read instanceof Promise ? read.then(decide) : decide(read);
      if (pending === undefined) done();
      else pending.then(() => done(), done);
    } catch (err) {
      done(err as Error);
    }
  };
}
