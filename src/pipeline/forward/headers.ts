/**
 * Header hygiene between client, gateway and upstream. Pure functions, tested as a table.
 *
 * One list, {@link STRIPPED_REQUEST_HEADERS} (plus {@link STRIPPED_REQUEST_PREFIXES}), says which
 * client headers never reach upstream and why; docs/api.md ("What goes upstream") documents the
 * same list and a test keeps the two in sync. Upstream sees only the gateway's own credentials,
 * nothing that identifies the client's address or network, and no declaration.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/**
 * Why a header is stripped:
 * - `credential`: a secret or identity of the tenant or its users, meant for the gateway or for
 *   something in front of it, never for Azure (upstream gets the gateway's credential instead);
 * - `client-address`: the client's address or the tenant's network path, set by proxies and CDNs
 *   in front of the gateway; Azure needs none of it, and the client could forge it anyway (the
 *   address that matters, for `user_security_context`, is the one the gateway saw);
 * - `hop-by-hop`: meaningful for one connection only (RFC 9110 section 7.6.1);
 * - `gateway-set`: the gateway sets its own value (or none) for the call it makes.
 */
export type StripReason = "credential" | "client-address" | "hop-by-hop" | "gateway-set";

/**
 * The request headers that are never forwarded, each with its reason. Lower-case names. (A map,
 * not an object: a header named `constructor` must not find `Object.prototype`'s.)
 */
export const STRIPPED_REQUEST_HEADERS: ReadonlyMap<string, StripReason> = new Map(
  Object.entries({
    // credentials
    "api-key": "credential", // the tenant's gateway key (or a guess at the upstream's)
    authorization: "credential", // `Bearer <tenant key>`
    "ocp-apim-subscription-key": "credential", // an API Management key for a gateway in front
    "x-api-key": "credential", // the generic key header some clients send
    cookie: "credential", // session cookies of the tenant's own front end
    // client address and the path the call took to reach the gateway
    forwarded: "client-address",
    via: "client-address", // names the tenant's proxies; the gateway re-originates the call
    "x-real-ip": "client-address",
    "true-client-ip": "client-address",
    "cf-connecting-ip": "client-address",
    "fastly-client-ip": "client-address",
    "x-client-ip": "client-address",
    "x-cluster-client-ip": "client-address",
    "x-original-forwarded-for": "client-address",
    "x-azure-clientip": "client-address",
    "x-azure-socketip": "client-address",
    "x-envoy-external-address": "client-address",
    "x-original-host": "client-address",
    "x-original-url": "client-address",
    // hop-by-hop (RFC 9110 section 7.6.1, plus the legacy names proxies still see)
    connection: "hop-by-hop",
    "keep-alive": "hop-by-hop",
    "proxy-connection": "hop-by-hop",
    "proxy-authenticate": "hop-by-hop",
    "proxy-authorization": "hop-by-hop",
    te: "hop-by-hop",
    trailer: "hop-by-hop",
    "transfer-encoding": "hop-by-hop",
    upgrade: "hop-by-hop",
    // set by the gateway for the call it makes
    host: "gateway-set",
    "content-length": "gateway-set", // recomputed from the body actually sent
    expect: "gateway-set",
    "accept-encoding": "gateway-set", // usage accounting reads the answer: ask for identity coding
    "x-ms-client-request-id": "gateway-set", // replaced by the decision id
  } satisfies Record<string, StripReason>),
);

/** Header name prefixes that are never forwarded, with their reason. */
export const STRIPPED_REQUEST_PREFIXES: readonly (readonly [string, StripReason])[] = [
  ["x-gateway-", "gateway-set"], // declarations: read by the gateway, meaningless upstream
  ["x-forwarded-", "client-address"], // -for, -host, -proto, -port, -prefix, -server, ...
  ["x-ms-client-principal", "credential"], // App Service authentication's user identity
  ["x-ms-token-", "credential"], // App Service authentication's tokens
];

/** Why `name` (lower case) is not forwarded, or undefined when it is. */
export function strippedBecause(name: string): StripReason | undefined {
  const listed = STRIPPED_REQUEST_HEADERS.get(name);
  if (listed !== undefined) return listed;
  if (name.charCodeAt(0) !== 120 /* x */) return undefined;
  for (const [prefix, reason] of STRIPPED_REQUEST_PREFIXES) {
    if (name.startsWith(prefix)) return reason;
  }
  return undefined;
}

const HOP_BY_HOP: ReadonlySet<string> = new Set(
  [...STRIPPED_REQUEST_HEADERS].filter(([, why]) => why === "hop-by-hop").map(([name]) => name),
);

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
 * The headers to send upstream: the client's, minus {@link STRIPPED_REQUEST_HEADERS}, the
 * {@link STRIPPED_REQUEST_PREFIXES} and any header `Connection` names, plus `x-ms-client-request-id` (the decision id, which Azure echoes and logs) and
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
    if (strippedBecause(name) !== undefined || dropped?.has(name)) continue;
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
