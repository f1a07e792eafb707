/**
 * Header hygiene between client, gateway and upstream. Pure functions, tested as a table.
 *
 * Hop-by-hop headers are connection-specific and never forwarded (RFC 9110 section 7.6.1), nor
 * is any header the `Connection` header names. Tenant credentials and every `x-gateway-*`
 * declaration stay at the gateway: upstream sees only the gateway's own credentials.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** RFC 9110 section 7.6.1 plus the legacy names proxies still see. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers the gateway sets itself or that must never reach upstream. */
const NOT_FORWARDED = new Set([
  "host",
  "content-length", // recomputed from the body actually sent
  "api-key",
  "authorization",
  "accept-encoding", // usage accounting reads the response: ask upstream for identity coding
  "x-ms-client-request-id", // replaced by the decision id
  "expect",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
]);

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  // The common values name no extra header: skip the split (this runs on every response).
  if (value === undefined || value === "keep-alive" || value === "close") return undefined;
  const joined = Array.isArray(value) ? value.join(",") : value;
  const tokens = joined
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "" && t !== "close" && t !== "keep-alive");
  return tokens.length > 0 ? new Set(tokens) : undefined;
}

/**
 * The headers to send upstream: the client's, minus hop-by-hop, tenant credentials and
 * `x-gateway-*`, plus `x-ms-client-request-id` (the decision id, which Azure echoes and logs) and
 * the upstream credential headers.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  credentials: Record<string, string>,
  decisionId: string,
  bodyLength: number | undefined,
): Record<string, string | string[]> {
  const dropped = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || NOT_FORWARDED.has(name)) continue;
    if (name.charCodeAt(0) === 120 /* x */ && name.startsWith("x-gateway-")) continue;
    if (dropped?.has(name)) continue;
    out[name] = value;
  }
  if (bodyLength !== undefined) out["content-length"] = String(bodyLength);
  out["x-ms-client-request-id"] = decisionId;
  for (const name in credentials) out[name] = credentials[name]!;
  return out;
}

/** The upstream's response headers as sent to the client: everything but hop-by-hop. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  extra: Record<string, string>,
): OutgoingHttpHeaders {
  const dropped = connectionTokens(upstream.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || HOP_BY_HOP.has(name) || dropped?.has(name)) continue;
    out[name] = value;
  }
  for (const name in extra) out[name] = extra[name];
  return out;
}
