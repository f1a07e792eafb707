import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** The key a request presents, from `api-key` (Azure's header) or `Authorization: Bearer`. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers["api-key"];
  if (typeof apiKey === "string" && apiKey !== "") return apiKey;
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "");
  return match?.[1]?.trim();
}

/**
 * Whether a presented key passes: always when no key is configured, else when it is the key.
 * Compares digests in constant time, like a real key check should, even in a simulator. Shared by
 * HTTP requests and realtime upgrades, which present their key in more places.
 */
export function keyMatches(presented: string | undefined, apiKey: string | undefined): boolean {
  if (apiKey === undefined) return true;
  return presented !== undefined && timingSafeEqual(digest(presented), digest(apiKey));
}

/** Whether the request may pass: always when no key is configured, else when it presents the key. */
export function isAuthorized(headers: IncomingHttpHeaders, apiKey: string | undefined): boolean {
  return keyMatches(presentedKey(headers), apiKey);
}
