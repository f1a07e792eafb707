/**
 * Stage 2b + 3: parse the body read by the body reader, classify the request into facts and
 * decide on them, as Fastify's `preHandler` callback hook. No promise unless the body is multipart
 * or classification has to wait for EXIF.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
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
      const decide = (body: RequestBody) => {
        request.readBody = body;
        checkObjects(deps, ctx, request, body);
        return decideRequest(ctx, request.headers, body, deps.requestMetrics);
      };
      const pending = read instanceof Promise ? read.then(decide) : decide(read);
      if (pending === undefined) done();
      else pending.then(() => done(), done);
    } catch (err) {
      done(err as Error);
    }
  };
}
