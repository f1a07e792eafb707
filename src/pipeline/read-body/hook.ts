/**
 * Stage 2a: read the body. Fastify's content-type parsers are this stage's hook, and there is one
 * for every content type: the format comes from the operation (body-format.ts), the bytes are
 * collected whole under the limit and the body timeouts (intake.ts), and nothing is forwarded
 * before classification has read them. Refusals (413, 415, 408) close the connection, since the
 * rest of the body is not read.
 */
import type { FastifyInstance } from "fastify";
import { GatewayHttpError } from "../../errors.js";
import type { DataPlaneDeps } from "../data-plane.js";
import { bodyFormatOf, contentCodingOf } from "./body-format.js";
import { collectBody } from "./intake.js";

/** Registers the body reader on the data plane (replacing Fastify's own parsers). */
export function registerBodyReaders(app: FastifyInstance, deps: DataPlaneDeps): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (request, payload, done) => {
    const ctx = request.gw;
    const limits = (ctx?.generation ?? deps.current()).config.limits;
    const format = bodyFormatOf(ctx?.route.operation ?? "other", request.headers["content-type"]);
    if (format instanceof GatewayHttpError) {
      done(format, undefined);
      return;
    }
    const coding = contentCodingOf(request.headers["content-encoding"]);
    if (coding instanceof GatewayHttpError) {
      done(coding, undefined);
      return;
    }
    collectBody(
      payload,
      {
        limit: limits.maxBodyBytes,
        idleTimeoutMs: limits.bodyIdleTimeoutMs,
        totalTimeoutMs: limits.bodyTimeoutMs,
        coding,
      },
      (err, collected) => {
        if (err !== null) {
          done(err, undefined);
          return;
        }
        request.rawBody = collected!.body;
        request.bodyFormat = format;
        if (ctx !== null) {
          ctx.bytesIn = collected!.wireBytes;
          ctx.bodyDecoded = coding !== null;
        }
        done(null, collected!.body);
      },
    );
  });
}
