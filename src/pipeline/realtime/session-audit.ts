/**
 * The audit record of a whole realtime session (docs/audit.md "Realtime sessions"): who opened it,
 * on which deployment and upstream, how long it ran, what went each way, what the gateway denied
 * or could not read, how it ended and what it cost. Never any event's content.
 */
import { type AuditRecord, auditRecord } from "../audit/record.js";
import type { RequestContext } from "../context.js";

/** What a session counts as it runs. */
export interface SessionTally {
  /** Client events forwarded upstream. */
  eventsIn: number;
  /** Server events relayed to the client. */
  eventsOut: number;
  /** Client events the policy denied. */
  denied: number;
  /** Client events the gateway could not read (invalid JSON, binary, too long): not forwarded. */
  refused: number;
  /** Images forwarded in the session. */
  images?: number;
  /** Sum of the `usage` of every `response.done`. */
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** Most bytes ever queued toward the client, and toward upstream (the backpressure bound). */
  peakQueuedToClient: number;
  peakQueuedToUpstream: number;
  /** The close code the client saw (or sent). */
  closeCode?: number;
  closedBy?: "client" | "upstream" | "upstream-lost" | "gateway";
  /** Set when the session's own settings were denied: the deciding event's decision id. */
  closedByPolicy?: string;
}

/** The session's record: status 101, the session's decision id, the tally under `realtime`. */
export function sessionAudit(ctx: RequestContext, tally: SessionTally, now: number): AuditRecord {
  const record = auditRecord(ctx, "GET", ctx.path, 101, now);
  record.realtime = {
    session: ctx.decisionId,
    eventsIn: tally.eventsIn,
    eventsOut: tally.eventsOut,
    denied: tally.denied,
    refused: tally.refused,
    images: tally.images ?? 0,
    peakQueuedBytes: { toClient: tally.peakQueuedToClient, toUpstream: tally.peakQueuedToUpstream },
  };
  if (tally.closeCode !== undefined) record.realtime.closeCode = tally.closeCode;
  if (tally.closedBy !== undefined) record.realtime.closedBy = tally.closedBy;
  if (tally.closedByPolicy !== undefined) record.realtime.closedByPolicy = tally.closedByPolicy;
  if (tally.usage.totalTokens > 0) record.usage = { ...tally.usage };
  return record;
}
