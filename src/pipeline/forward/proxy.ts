/**
 * Streams one call to an upstream and its answer back to the client, byte for byte and chunk by
 * chunk: every chunk undici hands over is written to the client as it arrives, upstream is paused
 * while the client socket is full (backpressure) and aborted when the client goes away, so an
 * abandoned stream stops spending tokens.
 *
 * Uses undici's low-level `dispatch` handler API: no intermediate stream objects on the hot path.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { GatewayHttpError } from "../../errors.js";
import { clientResponseHeaders } from "./headers.js";
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
}

class ClientGoneError extends Error {
  override name = "ClientGoneError";
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
        res.writeHead(statusCode, clientResponseHeaders(headers, call.responseHeaders));
      },
      onResponseData(ctrl, chunk) {
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
        outcome.usage = tap.usage();
        res.end();
        finish();
      },
      onResponseError(_ctrl, err) {
        if (outcome.clientAborted || err instanceof ClientGoneError) {
          outcome.clientAborted = true;
          if (!res.destroyed) res.destroy();
        } else if (!res.headersSent) {
          outcome.failure = upstreamFailure(call.upstream.config.name, err, call.timeoutMs);
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
      finish();
    }
  });
}
