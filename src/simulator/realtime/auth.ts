import type { IncomingHttpHeaders } from "node:http";
import { presentedKey } from "../auth.js";

/** The subprotocol a browser client asks for alongside its key; the simulator selects it. */
export const REALTIME_SUBPROTOCOL = "realtime";
/** Prefix of the subprotocol entry that carries a key, for clients that cannot set headers. */
export const KEY_SUBPROTOCOL_PREFIX = "openai-insecure-api-key.";

/** The subprotocols a client offered in `Sec-WebSocket-Protocol`, in order, empty entries dropped. */
export function offeredSubprotocols(headers: IncomingHttpHeaders): string[] {
  const raw = headers["sec-websocket-protocol"];
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/**
 * The key a realtime upgrade presents: `api-key`, then `Authorization: Bearer`, then an
 * `openai-insecure-api-key.<key>` subprotocol (how browsers, which cannot set headers on a
 * WebSocket, authenticate).
 */
export function presentedRealtimeKey(
  headers: IncomingHttpHeaders,
  subprotocols: readonly string[],
): string | undefined {
  const fromHeaders = presentedKey(headers);
  if (fromHeaders !== undefined) return fromHeaders;
  const entry = subprotocols.find((protocol) => protocol.startsWith(KEY_SUBPROTOCOL_PREFIX));
  const key = entry?.slice(KEY_SUBPROTOCOL_PREFIX.length);
  return key === "" ? undefined : key;
}

/**
 * ws's `handleProtocols`: select `realtime` when offered (a key entry is never echoed back), and no
 * subprotocol otherwise.
 */
export function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(REALTIME_SUBPROTOCOL) ? REALTIME_SUBPROTOCOL : false;
}
