/**
 * Stage 2a: read the body. Fastify's content-type parsers are this stage's hook: JSON is buffered
 * once as raw bytes (classification parses them, forwarding sends them unchanged); anything else
 * streams through counted against the body limit of the generation the request pinned.
 */
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { DataPlaneDeps } from "../data-plane.js";
import { BodyLimitStream, collectBody } from "./intake.js";

/** Registers the body readers on the data plane (replacing Fastify's own parsers). */
export function registerBodyReaders(app: FastifyInstance, deps: DataPlaneDeps): void {
  /** The body limit of the generation the request pinned. */
  const bodyLimitOf = (request: FastifyRequest) =>
    (request.gw?.generation ?? deps.current()).config.limits.maxBodyBytes;

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
}
