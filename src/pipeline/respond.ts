/**
 * How the gateway answers on a raw response: the decision headers every data-plane response
 * carries, and coded errors once Fastify no longer owns the reply (after `reply.hijack()`).
 */
import type { ServerResponse } from "node:http";
import type { GatewayHttpError } from "../errors.js";
import type { RequestContext } from "./context.js";

/** Headers that tell the client which decision applied to its call. */
export function decisionHeaders(ctx: RequestContext): Record<string, string> {
  return {
    "x-gateway-decision": ctx.decision?.decision ?? "deny",
    "x-gateway-decision-id": ctx.decisionId,
  };
}

/** Answers a coded error on a raw response (used once Fastify no longer owns the reply). */
export function writeRawError(
  res: ServerResponse,
  err: GatewayHttpError,
  headers: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(err.toBody());
  res.writeHead(err.statusCode, {
    ...headers,
    ...err.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
