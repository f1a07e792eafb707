import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";

/** The `content-type` Azure sends on JSON answers. */
export const JSON_CONTENT_TYPE = "application/json";
/** The `content-type` Azure sends on streams (note the charset, which some clients check). */
export const SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8";

/**
 * The headers every Azure OpenAI answer carries. `x-ms-client-request-id` is echoed because the
 * gateway sets it to its decision id to tie Azure's logs to its own (docs/api.md). The rate
 * limit counters are plausible constants: the simulator has no quota.
 */
export function azureHeaders(
  req: IncomingMessage,
  deployment: string | undefined,
): OutgoingHttpHeaders {
  const requestId = randomUUID();
  const headers: OutgoingHttpHeaders = {
    "apim-request-id": requestId,
    "x-request-id": requestId,
    "x-ms-region": "Sweden Central",
    "x-ratelimit-remaining-requests": "999",
    "x-ratelimit-remaining-tokens": "149000",
    "x-content-type-options": "nosniff",
  };
  const clientRequestId = req.headers["x-ms-client-request-id"];
  if (typeof clientRequestId === "string") headers["x-ms-client-request-id"] = clientRequestId;
  if (deployment !== undefined) headers["x-ms-deployment-name"] = deployment;
  return headers;
}
