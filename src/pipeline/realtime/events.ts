/**
 * The events and close codes the gateway itself sends on a realtime session (docs/api.md
 * "Realtime"): Azure-shaped `error` events, and close codes that may legally be sent. Pure.
 */
import { randomUUID } from "node:crypto";
import type { GatewayHttpError } from "../../errors.js";

/** The `error` server event the client gets for a client event the gateway did not forward. */
export interface GatewayErrorEvent {
  type: "error";
  event_id: string;
  error: {
    type: "invalid_request_error";
    code: string;
    message: string;
    param: string | null;
    /** The client event's own `event_id`, when it had one. */
    event_id: string | null;
    decision_id?: string;
    policies?: { id: string; reason: string }[];
  };
}

/** An `error` event for a client event that was not forwarded. */
export function errorEvent(
  code: string,
  message: string,
  clientEventId: string | null,
  extra: {
    param?: string | null;
    decisionId?: string;
    policies?: { id: string; reason: string }[];
  } = {},
): GatewayErrorEvent {
  const error: GatewayErrorEvent["error"] = {
    type: "invalid_request_error",
    code,
    message,
    param: extra.param ?? null,
    event_id: clientEventId,
  };
  if (extra.decisionId !== undefined) error.decision_id = extra.decisionId;
  if (extra.policies !== undefined) error.policies = extra.policies;
  return { type: "error", event_id: `event_gw_${randomUUID().replaceAll("-", "")}`, error };
}

/** The `error` event of a denied event, from the 403 an HTTP call would get. */
export function policyErrorEvent(
  denial: GatewayHttpError,
  decisionId: string,
  clientEventId: string | null,
): GatewayErrorEvent {
  const policies = (denial.innererror?.["policies"] ?? []) as { id: string; reason: string }[];
  return errorEvent("policy_violation", denial.message, clientEventId, { decisionId, policies });
}

/** The `error` event of an event the gateway refused to read (a coded 4xx of the HTTP path). */
export function refusedErrorEvent(
  err: GatewayHttpError,
  clientEventId: string | null,
): GatewayErrorEvent {
  return errorEvent(codeOf(err.code), err.message, clientEventId, { param: err.param });
}

/** Realtime error codes are snake_case. */
function codeOf(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The client event's `event_id`, when it is a string. */
export function clientEventId(event: unknown): string | null {
  if (typeof event !== "object" || event === null) return null;
  const id = (event as Record<string, unknown>)["event_id"];
  return typeof id === "string" ? id.slice(0, 256) : null;
}

/** The close reason of a session whose own settings were denied (at most 123 bytes). */
export function policyCloseReason(decisionId: string): string {
  return `policy_violation ${decisionId}`.slice(0, 123);
}

/** Whether `code` may be sent in a close frame (RFC 6455 section 7.4). */
export function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * The code passed on to the client when upstream closed with `code`: a sendable code as it is,
 * no status (1005) as a normal close, an abnormal end (1006, or anything unsendable) as 1011.
 */
export function codeTowardClient(code: number): number {
  if (code === 1005) return 1000;
  return isSendableCloseCode(code) ? code : 1011;
}

/** The code passed on to upstream when the client closed with `code`; an abnormal end is 1001. */
export function codeTowardUpstream(code: number): number {
  if (code === 1005) return 1000;
  return isSendableCloseCode(code) ? code : 1001;
}

/** A close reason cut to the 123 bytes a close frame holds, on a character boundary. */
export function closeReason(reason: Buffer | string): string {
  let text = typeof reason === "string" ? reason : reason.toString("utf8");
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  return text;
}
