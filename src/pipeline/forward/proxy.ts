/**
 * Streams one call to an upstream and its answer back to the client, byte for byte and chunk by
 * chunk: every chunk undici hands over is written to the client as it arrives, upstream is paused
 * while the client socket is full (backpressure) and aborted when the client goes away, so an
 * abandoned stream stops spending tokens.
 *
 * Uses undici's low-level `dispatch` handler API: no intermediate stream objects on the hot path.
 *
 * Failover hook: when `call.failover` is set and upstream answers 429 or 5xx, nothing is written to
 * the client; the answer is kept (`outcome.retry`, body up to {@link MAX_KEPT_ERROR_BYTES}) so the
 * caller can try another upstream, or replay it unchanged when none does better. The decision is
 * made on the status line, before the first byte reaches the client: once it has, nothing is
 * retried.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { errors, type GatewayHttpError } from "../../errors.js";
import { clientResponseHeaders } from "./headers.js";
import { retryAfterMs } from "./retry-after.js";
import { upstreamFailure } from "./transport-errors.js";
import type { LiveUpstream } from "./upstreams.js";
import { type TokenUsage, UsageTap } from "./usage-tap.js";

/** One call to forward. */
export interface ProxyCall {
  upstream: LiveUpstream;
  method: string;
  /** Path and query as sent upstream. */
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | Readable | null;
  res: ServerResponse;
  /** Headers the gateway adds to the client response (decision id...). */
  responseHeaders: Record<string, string>;
  timeoutMs: number;
  /** Another upstream can take the call: hold back a 429 or 5xx instead of relaying it. */
  failover: boolean;
  /**
   * Keep the first `headBytes` of a 2xx answer (`outcome.head`): the id of an object it created
   * is read from them.
   */
  headBytes?: number;
  /**
   * Rewrite a 2xx answer before the client sees it (a list filtered to the caller's objects): the
   * answer is buffered, up to {@link MAX_REWRITTEN_BYTES}, then sent with its new length.
   */
  rewrite?: (body: Buffer) => Buffer | Promise<Buffer>;
  /**
   * Runs when a 2xx answer has been read in full, before its end reaches the client (objects the
   * call created are recorded in the shared store first, so the client's next call finds them).
   */
  beforeEnd?: () => void | Promise<void>;
}

/** Largest answer the gateway buffers to rewrite; a larger list is refused (502), never passed. */
export const MAX_REWRITTEN_BYTES = 16 * 1024 * 1024;

/** Error answers larger than this are not kept for replay (Azure's are a few hundred bytes). */
export const MAX_KEPT_ERROR_BYTES = 64 * 1024;

/** A 429 or 5xx answer held back from the client because another upstream may do better. */
export interface RetryableAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body, or null when it was too large or cut (then it cannot be replayed). */
  body: Buffer | null;
}

/** What happened, for the audit record. */
export interface ProxyOutcome {
  upstreamStatus: number | undefined;
  /** Milliseconds from dispatch to upstream response headers. */
  upstreamTtfbMs: number | undefined;
  bytesOut: number;
  chunks: number;
  usage: TokenUsage | undefined;
  /** Set when the call failed before any byte reached the client: the caller answers it. */
  failure: GatewayHttpError | undefined;
  /** The client went away before the answer was complete (upstream was aborted). */
  clientAborted: boolean;
  /** Upstream failed after the answer had started (the client sees a cut stream). */
  midStreamError: string | undefined;
  /** Delay asked for by a 429 or 5xx (`retry-after-ms`, `retry-after`), in ms. */
  retryAfterMs?: number | undefined;
  /** Set when a 429/5xx was held back for failover (`call.failover`). */
  retry?: RetryableAnswer | undefined;
  /** Azure's `apim-request-id` answer header: the id Azure's own logs know the call by. */
  apimRequestId?: string | undefined;
  /** The first bytes of a 2xx answer, when the call asked for them (`headBytes`). */
  head?: Buffer | undefined;
}

class ClientGoneError extends Error {
  override name = "ClientGoneError";
}

/** Stops reading a held-back error answer that is too large to keep. */
class HeldBackError extends Error {
  override name = "HeldBackError";
}

type Controller = Dispatcher.DispatchController;

/** A fresh outcome, filled in by `proxyCall` as the exchange progresses. */
export function newProxyOutcome(): ProxyOutcome {
  return {
    upstreamStatus: undefined,
    upstreamTtfbMs: undefined,
    bytesOut: 0,
    chunks: 0,
    usage: undefined,
    failure: undefined,
    clientAborted: false,
    midStreamError: undefined,
    retryAfterMs: undefined,
    retry: undefined,
  };
}

/**
 * Forwards `call`, recording into `outcome` as it goes (so the audit, which may run as soon as the
 * client response closes, sees every field), and resolves when the exchange is over, whatever its
 * end. Never rejects.
 */
export function proxyCall(
  call: ProxyCall,
  outcome: ProxyOutcome = newProxyOutcome(),
): Promise<ProxyOutcome> {
  const { res } = call;
  const started = performance.now();
  const tap = new UsageTap();

  return new Promise<ProxyOutcome>((resolve) => {
    let controller: Controller | undefined;
    let done = false;
    let waitingForDrain = false;
    /** Chunks of a held-back error answer (`outcome.retry`), null once too large. */
    let kept: Buffer[] | null | undefined;
    let keptBytes = 0;
    /** A 2xx answer being buffered for `call.rewrite`, with its status and headers. */
    let rewriting:
      | {
          status: number;
          headers: Record<string, string | string[] | undefined>;
          chunks: Buffer[];
          bytes: number;
        }
      | undefined;
    const headChunks: Buffer[] = [];
    let keptHeadBytes = 0;

    const finish = () => {
      if (done) return;
      done = true;
      res.off("close", onClientClose);
      outcome.usage ??= tap.usage();
      resolve(outcome);
    };
    const onDrain = () => {
      waitingForDrain = false;
      controller?.resume();
    };
    const onClientClose = () => {
      if (res.writableFinished || done) return;
      outcome.clientAborted = true;
      controller?.abort(new ClientGoneError("client closed the connection"));
    };
    res.on("close", onClientClose);
    /** A step between the upstream's end and the client's failed: cut the answer, never pass it. */
    const failLate = (err: unknown) => {
      outcome.midStreamError = (err as Error).message ?? String(err);
      if (!res.destroyed) res.destroy(err as Error);
      finish();
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        controller = ctrl;
        if (res.destroyed) {
          outcome.clientAborted = true;
          ctrl.abort(new ClientGoneError("client closed the connection"));
        }
      },
      onResponseStart(_ctrl, statusCode, headers) {
        if (statusCode < 200) return; // 1xx informational
        outcome.upstreamStatus = statusCode;
        outcome.upstreamTtfbMs = performance.now() - started;
        const apim = headers["apim-request-id"];
        if (typeof apim === "string" && apim.length <= 128) outcome.apimRequestId = apim;
        if (statusCode === 401) {
          // Azure refused the gateway's own credential: never the tenant's business (its body
          // speaks of a key the tenant never had), so it is dropped and answered as a 502.
          outcome.failure = errors.upstreamRejectedCredential(call.upstream.config.name);
          call.upstream.health.settle("auth-failed");
          kept = null;
          return;
        }
        if (statusCode === 429 || statusCode >= 500) {
          outcome.retryAfterMs = retryAfterMs(headers, Date.now());
          call.upstream.health.settle(statusCode === 429 ? "throttled" : "server-error");
          if (call.failover) {
            outcome.retry = { status: statusCode, headers, body: null };
            kept = [];
            return;
          }
        } else {
          call.upstream.health.settle("success");
        }
        if (call.rewrite !== undefined && statusCode >= 200 && statusCode < 300) {
          rewriting = { status: statusCode, headers, chunks: [], bytes: 0 };
          return;
        }
        res.writeHead(statusCode, clientResponseHeaders(headers, call.responseHeaders));
      },
      onResponseData(ctrl, chunk) {
        if (kept !== undefined) {
          if (kept === null) return;
          keptBytes += chunk.length;
          if (keptBytes > MAX_KEPT_ERROR_BYTES) {
            kept = null;
            ctrl.abort(new HeldBackError());
          } else kept.push(chunk);
          return;
        }
        if (
          call.headBytes !== undefined &&
          keptHeadBytes < call.headBytes &&
          (outcome.upstreamStatus ?? 0) < 300
        ) {
          headChunks.push(chunk);
          keptHeadBytes += chunk.length;
          outcome.head = headChunks.length === 1 ? chunk : Buffer.concat(headChunks, keptHeadBytes);
        }
        if (rewriting !== undefined) {
          rewriting.bytes += chunk.length;
          if (rewriting.bytes > MAX_REWRITTEN_BYTES) {
            ctrl.abort(new Error("list answer too large to filter"));
            return;
          }
          rewriting.chunks.push(chunk);
          return;
        }
        outcome.bytesOut += chunk.length;
        outcome.chunks++;
        tap.push(chunk);
        if (!res.write(chunk) && !waitingForDrain) {
          waitingForDrain = true;
          ctrl.pause();
          res.once("drain", onDrain);
        }
      },
      onResponseEnd() {
        if (kept !== undefined) {
          if (kept !== null) outcome.retry!.body = Buffer.concat(kept, keptBytes);
          finish();
          return;
        }
        if (rewriting !== undefined) {
          const { status, headers: upstreamHeaders } = rewriting;
          const send = (body: Buffer) => {
            const headers = clientResponseHeaders(upstreamHeaders, call.responseHeaders);
            headers["content-length"] = String(body.length);
            delete headers["transfer-encoding"];
            delete headers["content-encoding"];
            res.writeHead(status, headers);
            outcome.bytesOut = body.length;
            outcome.chunks = 1;
            res.end(body);
            finish();
          };
          const body = call.rewrite!(Buffer.concat(rewriting.chunks, rewriting.bytes));
          if (body instanceof Promise) body.then(send, (err: unknown) => failLate(err));
          else send(body);
          return;
        }
        outcome.usage = tap.usage();
        const before =
          call.beforeEnd !== undefined && (outcome.upstreamStatus ?? 0) < 300
            ? call.beforeEnd()
            : undefined;
        if (before instanceof Promise) {
          before.then(
            () => {
              res.end();
              finish();
            },
            (err: unknown) => failLate(err),
          );
          return;
        }
        res.end();
        finish();
      },
      onResponseError(_ctrl, err) {
        if (kept !== undefined) {
          // a held-back answer cut short: not replayable; the client, if gone, is seen by the caller
          if (err instanceof ClientGoneError) outcome.clientAborted = true;
        } else if (outcome.clientAborted || err instanceof ClientGoneError) {
          outcome.clientAborted = true;
          if (outcome.upstreamStatus === undefined) call.upstream.health.settle("aborted");
          if (!res.destroyed) res.destroy();
        } else if (!res.headersSent) {
          outcome.failure = upstreamFailure(call.upstream.config.name, err, call.timeoutMs);
          call.upstream.health.settle(
            outcome.failure.code === "UpstreamTimeout" ? "timeout" : "unreachable",
          );
        } else {
          outcome.midStreamError = (err as { code?: string }).code ?? err.message;
          res.destroy(err);
        }
        finish();
      },
    };

    try {
      call.upstream.pool.dispatch(
        {
          method: call.method as Dispatcher.HttpMethod,
          path: call.path,
          headers: call.headers,
          body: call.body,
          headersTimeout: call.timeoutMs,
          bodyTimeout: call.timeoutMs,
        },
        handler,
      );
    } catch (err) {
      outcome.failure = upstreamFailure(call.upstream.config.name, err, call.timeoutMs);
      call.upstream.health.settle("unreachable");
      finish();
    }
  });
}
