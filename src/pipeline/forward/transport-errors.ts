/**
 * Maps transport failures (undici error codes, socket errors) to the gateway's coded errors in one
 * place, keeping the original as `cause` (the reply-from habit).
 */
import { errors, type GatewayHttpError } from "../../errors.js";

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** The coded error to answer when a call to `upstream` failed before any response byte. */
export function upstreamFailure(
  upstream: string,
  err: unknown,
  timeoutMs: number,
): GatewayHttpError {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && TIMEOUT_CODES.has(code)) {
    return errors.upstreamTimeout(upstream, timeoutMs, err);
  }
  return errors.upstreamUnavailable(upstream, err);
}
