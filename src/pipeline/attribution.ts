/**
 * Attribution for the audit (docs/audit.md "Who asked"): the end user a call names and the client
 * that sent it. The end user is recorded per `audit.endUser` (as sent, as a keyed HMAC so the
 * audit cannot be reversed with a dictionary of user names, or not at all); the client address
 * believes `X-Forwarded-For` only from `listen.trustedProxies` (the same rule Fastify's
 * `trustProxy` applies, from the same library). Pure: no Fastify.
 */
import { createHmac } from "node:crypto";
import type { IncomingMessage } from "node:http";
import proxyAddr from "@fastify/proxy-addr";

/** Where the end user came from in the body. */
export type EndUserSource = "user_security_context" | "safety_identifier" | "user";

/** `audit.endUser` as compiled. */
export interface EndUserPolicy {
  mode: "plain" | "hash" | "off";
  secret: string;
}

/** Longest end user id or user agent kept (longer ones are cut, plain ids marked with `…`). */
export const MAX_ATTRIBUTION_CHARS = 256;

const bound = (s: string) =>
  s.length > MAX_ATTRIBUTION_CHARS ? `${s.slice(0, MAX_ATTRIBUTION_CHARS)}…` : s;

/** The end user a parsed body names: the first of the three fields Azure and OpenAI define. */
export function endUserOf(
  body: unknown,
  policy: EndUserPolicy,
): { id: string; from: EndUserSource } | undefined {
  if (policy.mode === "off" || body === null || typeof body !== "object" || Array.isArray(body)) {
    return undefined;
  }
  const fields = body as Record<string, unknown>;
  const context = fields.user_security_context;
  const candidates: [EndUserSource, unknown][] = [
    [
      "user_security_context",
      context !== null && typeof context === "object" && !Array.isArray(context)
        ? (context as Record<string, unknown>).end_user_id
        : undefined,
    ],
    ["safety_identifier", fields.safety_identifier],
    ["user", fields.user],
  ];
  for (const [from, value] of candidates) {
    if (typeof value !== "string" || value === "") continue;
    const id =
      policy.mode === "plain"
        ? bound(value)
        : `hmac:${createHmac("sha256", policy.secret).update(value, "utf8").digest("hex").slice(0, 32)}`;
    return { id, from };
  }
  return undefined;
}

type Trust = (addr: string, i: number) => boolean;
const NO_PROXY: Trust = () => false;
const compiled = new WeakMap<readonly string[], Trust>();

/** The compiled trust function of `listen.trustedProxies` (compiled once per config). */
export function trustOf(trustedProxies: readonly string[]): Trust {
  if (trustedProxies.length === 0) return NO_PROXY;
  let trust = compiled.get(trustedProxies);
  if (trust === undefined) {
    trust = proxyAddr.compile([...trustedProxies]);
    compiled.set(trustedProxies, trust);
  }
  return trust;
}

/**
 * The client of a request: the socket's peer, or, when that peer is a trusted proxy, the
 * nearest `X-Forwarded-For` address not itself trusted; and its user agent, bounded.
 */
export function clientOf(
  req: IncomingMessage,
  trustedProxies: readonly string[],
): { address: string; userAgent?: string } {
  const address =
    req.socket.remoteAddress === undefined
      ? "unknown"
      : proxyAddr(req, trustOf(trustedProxies)).replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
  const ua = req.headers["user-agent"];
  return typeof ua === "string" && ua !== "" ? { address, userAgent: bound(ua) } : { address };
}
