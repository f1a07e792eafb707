import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { AzureError } from "./azure-errors.js";
import { azureHeaders, JSON_CONTENT_TYPE } from "./azure-headers.js";
import type { ParsedBody } from "./body.js";
import type { Faults } from "./faults.js";
import { settle } from "./request-log.js";
import type { Route } from "./router.js";
import type { SimulatorState } from "./state.js";
import type { RecordedRequest } from "./types.js";

/** One request in flight: everything a handler needs, so handlers never touch the server. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Aborts when the client goes away; every timer and wait a handler starts must obey it. */
  readonly signal: AbortSignal;
  readonly route: Route;
  readonly body: ParsedBody;
  readonly faults: Faults;
  readonly record: RecordedRequest;
  readonly apiVersion: string | undefined;
  /** The deployment from the path (classic) or the body's `model` (v1). */
  readonly deployment: string | undefined;
  /** This simulator's own base URL, for links it hands out (image URLs). */
  readonly baseUrl: string;
  /** The simulator's stored objects (files, batches, responses, threads, ...). */
  readonly state: SimulatorState;
}

/** A handler: answers one operation. It may throw; the server maps that to Azure's 500. */
export type Handler = (exchange: Exchange) => Promise<void> | void;

/** Thrown (and swallowed by the server) after a fault deliberately destroyed the connection. */
export class ConnectionDropped extends Error {
  constructor() {
    super("connection dropped by x-simulator-drop-after-chunks");
    this.name = "ConnectionDropped";
  }
}

/** Azure's headers for this exchange plus the given ones. */
export function headersFor(exchange: Exchange, extra: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return { ...azureHeaders(exchange.req, exchange.deployment), ...extra };
}

/**
 * Writes a complete answer with a known length (no chunked encoding, like Azure's JSON answers)
 * and Azure's headers. Lower level than {@link sendBytes}, for answers given before an exchange
 * exists (unknown paths, bad keys).
 */
export function writeComplete(
  req: IncomingMessage,
  res: ServerResponse,
  deployment: string | undefined,
  status: number,
  contentType: string,
  payload: Buffer | string,
  extra: OutgoingHttpHeaders = {},
): void {
  const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
  res.writeHead(status, {
    ...azureHeaders(req, deployment),
    ...extra,
    "content-type": contentType,
    "content-length": bytes.length,
  });
  res.end(bytes);
}

/** Sends a complete body with a known length. */
export function sendBytes(
  exchange: Exchange,
  status: number,
  contentType: string,
  payload: Buffer | string,
  extra: OutgoingHttpHeaders = {},
): void {
  writeComplete(
    exchange.req,
    exchange.res,
    exchange.deployment,
    status,
    contentType,
    payload,
    extra,
  );
}

/** Sends a JSON answer. */
export function sendJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  extra: OutgoingHttpHeaders = {},
): void {
  sendBytes(exchange, status, JSON_CONTENT_TYPE, JSON.stringify(body), extra);
}

/** Sends one of Azure's error answers. */
export function sendError(exchange: Exchange, error: AzureError): void {
  sendJson(exchange, error.status, error.body, error.headers);
}

/**
 * Destroys the connection on purpose (a fault), recording the outcome first so the close that
 * follows is not taken for a client abort. Before any response byte it sends a TCP reset, which is
 * what a crashed upstream or a middlebox looks like to the client.
 */
export function dropConnection(exchange: Exchange): void {
  settle(exchange.record, "dropped");
  const socket = exchange.res.socket;
  if (socket === null) return;
  if (exchange.res.headersSent) socket.destroy();
  else socket.resetAndDestroy();
}
