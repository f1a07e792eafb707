/**
 * What a Realtime WebSocket upgrade asks for (docs/api.md "Realtime"): which family of path, which
 * deployment, and the tenant credential wherever a client may put it (headers, the `api-key` or
 * `Authorization` query parameter that browser clients use, or the
 * `openai-insecure-api-key.<key>` subprotocol). Pure: no sockets.
 */
import { GatewayHttpError } from "../../errors.js";
import type { RouteInfo } from "../classify-request/operation.js";

/** A realtime session's target, from the upgrade URL. */
export interface RealtimeTarget {
  /** `/openai/realtime` (preview, `deployment`) or `/openai/v1/realtime` (GA, `model`). */
  family: "classic" | "v1";
  /** The path as forwarded (a doubled leading slash collapsed). */
  path: string;
  deployment: string;
  /** The query string forwarded upstream, with `?`, credentials removed. */
  query: string;
}

/** Query parameters that carry the tenant's credential: read, never forwarded. */
const CREDENTIAL_PARAMS = new Set(["api-key", "authorization"]);
/** The subprotocol prefix OpenAI-style browser clients put their key in. */
export const KEY_SUBPROTOCOL = "openai-insecure-api-key.";
const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The route of a realtime WebSocket upgrade, or the 4xx to answer: a path other than the two
 * realtime paths (404), a missing or invalid deployment (400), or a sideband connection to a
 * WebRTC/SIP call (`call_id`), whose media the gateway cannot see (403 unless the caller may).
 */
export function realtimeTarget(url: string): RealtimeTarget | { sideband: true } {
  const parsed = new URL(url.replace(/^\/\/+/, "/"), "http://gateway");
  const path = parsed.pathname.replace(/\/+$/, "");
  const lower = path.toLowerCase();
  const family =
    lower === "/openai/realtime" ? "classic" : lower === "/openai/v1/realtime" ? "v1" : undefined;
  if (family === undefined) {
    throw new GatewayHttpError(
      "NotFound",
      "WebSocket connections are served on /openai/realtime and /openai/v1/realtime only",
    );
  }
  if (parsed.searchParams.has("call_id")) return { sideband: true };
  const param = family === "classic" ? "deployment" : "model";
  const deployment = parsed.searchParams.get(param) ?? "";
  if (!DEPLOYMENT_NAME.test(deployment)) {
    throw new GatewayHttpError(
      "InvalidRequest",
      deployment === ""
        ? `a realtime connection names its deployment in the \`${param}\` query parameter`
        : `\`${param}\` is not a deployment name Azure accepts`,
      { param },
    );
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (CREDENTIAL_PARAMS.has(name.toLowerCase())) parsed.searchParams.delete(name);
  }
  const query = parsed.searchParams.toString();
  return { family, path, deployment, query: query === "" ? "" : `?${query}` };
}

/** The route the classifier and the audit see for a realtime session. */
export function realtimeRoute(target: RealtimeTarget): RouteInfo {
  return { operation: "realtime", deployment: target.deployment, family: target.family };
}

/** The subprotocols a client offered, from `Sec-WebSocket-Protocol`. */
export function offeredSubprotocols(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/**
 * Every credential the upgrade presents, in the shape the tenant identifier reads (so two
 * different keys are refused as on HTTP): the `api-key` and `Authorization` headers, the same
 * names as query parameters, and the key subprotocol.
 */
export function upgradeCredentials(
  rawHeaders: { "api-key"?: string[]; authorization?: string[] },
  url: string,
  subprotocols: readonly string[],
): { "api-key": string[]; authorization: string[] } {
  const apiKey = [...(rawHeaders["api-key"] ?? [])];
  const authorization = [...(rawHeaders.authorization ?? [])];
  const params = new URL(url.replace(/^\/\/+/, "/"), "http://gateway").searchParams;
  for (const [name, value] of params) {
    const lower = name.toLowerCase();
    if (lower === "api-key") apiKey.push(value);
    else if (lower === "authorization") {
      authorization.push(/^bearer\s/i.test(value) ? value : `Bearer ${value}`);
    }
  }
  for (const p of subprotocols) {
    if (p.startsWith(KEY_SUBPROTOCOL)) apiKey.push(p.slice(KEY_SUBPROTOCOL.length));
  }
  return { "api-key": apiKey, authorization };
}

/** The offered subprotocols without the ones that carry a key: what upstream may see. */
export function forwardableSubprotocols(subprotocols: readonly string[]): string[] {
  return subprotocols.filter((p) => !p.startsWith(KEY_SUBPROTOCOL));
}
