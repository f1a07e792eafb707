/**
 * What the operational log says about a call that upstream failed (issue 13): a 502, a 504, an
 * answer cut mid-stream, or Azure refusing the gateway's own credential. The audit records the
 * outcome for compliance; this line is for the operator on call, with the decision id (to find
 * the audit record and, via `x-ms-client-request-id`, Azure's logs), the upstream and the cause.
 * Pure: the hook writes it.
 */
import type { ErrorCode } from "../../errors.js";
import type { RequestContext } from "../context.js";
import type { AuditRecord } from "./record.js";

const UPSTREAM_ERRORS: ReadonlySet<ErrorCode> = new Set([
  "UpstreamUnavailable",
  "UpstreamTimeout",
  "UpstreamAuthenticationFailed",
]);

/** The log line's fields, or undefined when upstream did not fail this call. */
export interface UpstreamFailureLine {
  decisionId: string;
  tenant: string | null;
  upstream: string | null;
  /** The gateway's error code, or `UpstreamStreamCut` for an answer cut after it started. */
  failure: ErrorCode | "UpstreamStreamCut";
  status: number;
  /** The transport code or message (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...). */
  cause: string;
  upstreamStatus?: number;
  apimRequestId?: string;
  attempts?: AuditRecord["attempts"];
}

function causeOf(err: unknown): string {
  if (err === null || typeof err !== "object") return "unknown";
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === "string") return code;
  return typeof message === "string" ? message.slice(0, 200) : "unknown";
}

/** The operational log line for a call whose upstream failed, if it did. */
export function upstreamFailureLine(
  ctx: RequestContext,
  record: AuditRecord,
): UpstreamFailureLine | undefined {
  let failure: UpstreamFailureLine["failure"];
  let cause: string;
  if (ctx.error !== undefined && UPSTREAM_ERRORS.has(ctx.error.code)) {
    failure = ctx.error.code;
    cause = causeOf(ctx.error.cause);
  } else if (record.upstreamError !== undefined) {
    failure = "UpstreamStreamCut";
    cause = record.upstreamError.slice(0, 200);
  } else return undefined;
  const line: UpstreamFailureLine = {
    decisionId: record.decisionId,
    tenant: record.tenant,
    upstream: record.upstream,
    failure,
    status: record.status,
    cause,
  };
  if (record.upstreamStatus !== undefined) line.upstreamStatus = record.upstreamStatus;
  if (record.apimRequestId !== undefined) line.apimRequestId = record.apimRequestId;
  if (record.attempts !== undefined) line.attempts = record.attempts;
  return line;
}
