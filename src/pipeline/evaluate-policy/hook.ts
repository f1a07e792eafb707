/**
 * Stage 2b + 3: classify the request into facts and decide on them, as Fastify's `preHandler`
 * callback hook (the body has been read by then). No promise unless classification has to wait
 * for EXIF.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { HookDone, StageDeps } from "../data-plane.js";
import { parseJsonBody } from "../read-body/intake.js";
import { decideRequest } from "./decide.js";

/** The classify-and-decide stage as a `preHandler` hook. */
export function decideHook(deps: StageDeps) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookDone): void => {
    try {
      const ctx = request.gw!;
      const body = request.rawJson === null ? undefined : parseJsonBody(request.rawJson);
      request.parsedJson = body;
      const pending = decideRequest(ctx, request.headers, body, deps.requestMetrics);
      if (pending === undefined) done();
      else pending.then(() => done(), done);
    } catch (err) {
      done(err as Error);
    }
  };
}
