import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocketServer } from "ws";
import { keyMatches } from "../auth.js";
import {
  type AzureError,
  badRequest,
  errorForStatus,
  notFound,
  unauthorized,
} from "../azure-errors.js";
import { azureHeaders } from "../azure-headers.js";
import { CONTROL_PREFIX } from "../control.js";
import { FaultHeaderError } from "../faults.js";
import { newId } from "../ids.js";
import type { ResolvedOptions } from "../options.js";
import type { RecordedRealtimeSession } from "../types.js";
import { offeredSubprotocols, presentedRealtimeKey, selectSubprotocol } from "./auth.js";
import { DIALECTS } from "./dialect.js";
import { type RealtimeFaults, readRealtimeFaults } from "./faults.js";
import { RealtimeLog } from "./log.js";
import { matchRealtimePath } from "./paths.js";
import { headerLines, refuseUpgrade } from "./refuse.js";
import { RealtimeSession } from "./session.js";

/** Largest client frame; past it ws closes the session with 1009. Azure caps an event near 15 MiB. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** The realtime side of a simulator: its log, and how to end its sessions. */
export interface RealtimeHub {
  readonly log: RealtimeLog;
  /** Refuses new upgrades, cuts pending handshakes and closes open sessions with 1001. */
  close(): Promise<void>;
}

function deploymentOf(req: IncomingMessage): string | undefined {
  const target = matchRealtimePath(new URL(req.url ?? "/", "http://simulator"));
  return target.kind === "session" ? target.deployment : undefined;
}

/** Bytes a client may send before its upgrade is answered; past them the socket is cut. */
const MAX_EARLY_BYTES = 64 * 1024;

/**
 * Waits before answering an upgrade (the handshake delay fault) while reading the socket, so a
 * client that leaves ends the wait at once (a FIN is only seen by reading). Bytes the client sends
 * early are kept for ws. Resolves with the head to hand to ws, or undefined when the client left.
 */
async function hold(socket: Duplex, head: Buffer, ms: number): Promise<Buffer | undefined> {
  const early: Buffer[] = [head];
  let bytes = head.length;
  const left = new AbortController();
  const onData = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes > MAX_EARLY_BYTES) socket.destroy();
    else early.push(chunk);
  };
  const onEnd = (): void => {
    socket.destroy();
  };
  const onClose = (): void => left.abort();
  socket.on("data", onData);
  socket.once("end", onEnd);
  socket.once("close", onClose);
  try {
    await sleep(ms, undefined, { signal: left.signal });
    return Buffer.concat(early);
  } catch {
    return undefined;
  } finally {
    // The socket stays flowing: ws adds its own `data` listener in the same tick.
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("close", onClose);
  }
}

/**
 * Serves the Realtime API on the simulator's `upgrade` event: `/openai/realtime` (preview, needs
 * `api-version` and `deployment`) and `/openai/v1/realtime` (GA, needs `model`). An upgrade is
 * checked like an HTTP request (key, path, fault headers, handshake faults, deployment), refused
 * with a plain HTTP answer in Azure's shape, or handed to ws and run as a {@link RealtimeSession}.
 * Every upgrade to a non-control path is recorded in the hub's log.
 */
export function attachRealtime(server: Server, options: ResolvedOptions): RealtimeHub {
  const log = new RealtimeLog(options.maxRecorded);
  const sessions = new Set<RealtimeSession>();
  const pending = new Set<Duplex>();
  const records = new WeakMap<IncomingMessage, RecordedRealtimeSession>();
  let closing = false;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: selectSubprotocol,
  });
  // The 101 carries Azure's headers too (request id, region, deployment).
  wss.on("headers", (headers: string[], req: IncomingMessage) => {
    headers.push(...headerLines(azureHeaders(req, deploymentOf(req))));
  });
  // A handshake ws itself refuses (bad Sec-WebSocket-Key or version): Azure's 400.
  wss.on("wsClientError", (error: Error, socket: Duplex, req: IncomingMessage) => {
    const record = records.get(req);
    if (record !== undefined) record.status = 400;
    refuseUpgrade(req, socket, badRequest(error.message), deploymentOf(req));
  });

  const accept = (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    record: RecordedRealtimeSession,
    target: { dialect: keyof typeof DIALECTS; deployment: string },
    faults: RealtimeFaults,
  ): void => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      record.status = 101;
      const session = new RealtimeSession({
        ws,
        socket,
        record,
        log,
        dialect: DIALECTS[target.dialect],
        deployment: target.deployment,
        faults,
      });
      sessions.add(session);
      void session.closed.then(() => sessions.delete(session));
      session.start();
    });
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    // A reset while the upgrade is checked must not become an unhandled error.
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://simulator");
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      return refuseUpgrade(req, socket, notFound(), undefined);
    }
    const subprotocols = offeredSubprotocols(req.headers);
    const record = log.open(req, url, newId.realtimeSession(), subprotocols);
    records.set(req, record);
    const target = matchRealtimePath(url);
    const deployment = target.kind === "session" ? target.deployment : undefined;
    if (deployment !== undefined) record.deployment = deployment;
    const refuse = (error: AzureError): void => {
      record.status = error.status;
      refuseUpgrade(req, socket, error, deployment);
    };
    const apiVersion = url.searchParams.get("api-version") ?? undefined;
    const unavailable = (): void => refuse(errorForStatus(503, undefined, apiVersion));

    if (closing) return unavailable();
    const key = presentedRealtimeKey(req.headers, subprotocols);
    if (!keyMatches(key, options.apiKey)) return refuse(unauthorized());
    if (target.kind === "not-found") return refuse(notFound());
    let faults: RealtimeFaults;
    try {
      faults = readRealtimeFaults(req.headers, options);
    } catch (error) {
      if (error instanceof FaultHeaderError) return refuse(badRequest(error.message, error.header));
      throw error;
    }
    let early = head;
    if (faults.handshakeDelayMs > 0) {
      pending.add(socket);
      const held = await hold(socket, head, faults.handshakeDelayMs);
      pending.delete(socket);
      if (held === undefined) {
        // Gone during the wait: the client left, or shutdown cut the pending handshake.
        record.closedBy = closing ? "server" : "client";
        return;
      }
      early = held;
      if (closing) return unavailable();
    }
    if (faults.handshakeStatus !== undefined) {
      return refuse(errorForStatus(faults.handshakeStatus, undefined, apiVersion));
    }
    if (target.kind === "missing") {
      const message =
        target.param === "model"
          ? "you must provide a model parameter"
          : "Missing required query parameter: 'deployment'.";
      return refuse(badRequest(message, target.param));
    }
    accept(req, socket, early, record, target, faults);
  };

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch(() => socket.destroy());
  });

  return {
    log,
    close: async () => {
      closing = true;
      for (const socket of pending) socket.destroy();
      await Promise.all([...sessions].map((session) => session.shutdown()));
      wss.close();
    },
  };
}
