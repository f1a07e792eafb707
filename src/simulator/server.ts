import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { isAuthorized } from "./auth.js";
import {
  type AzureError,
  badRequest,
  errorForStatus,
  internalError,
  notFound,
  unauthorized,
} from "./azure-errors.js";
import { JSON_CONTENT_TYPE } from "./azure-headers.js";
import { MAX_RECORDED_JSON_BYTES, type ParsedBody, type ReadBody, readBody } from "./body.js";
import { CONTROL_PREFIX, handleControl } from "./control.js";
import {
  ConnectionDropped,
  dropConnection,
  type Exchange,
  sendError,
  writeComplete,
} from "./exchange.js";
import { FaultHeaderError, type Faults, readFaults } from "./faults.js";
import { MAX_FILE_CONTENT_BYTES } from "./file-store.js";
import { HANDLERS } from "./handlers.js";
import { OPERATIONS } from "./operations.js";
import type { ResolvedOptions } from "./options.js";
import { attachRealtime, type RealtimeHub } from "./realtime/upgrade.js";
import { RequestLog, settle } from "./request-log.js";
import { matchRoute } from "./router.js";
import { createState, type SimulatorState } from "./state.js";
import type { RecordedRequest } from "./types.js";

/** The state one simulator instance shares across its requests. */
interface Shared {
  readonly options: ResolvedOptions;
  readonly log: RequestLog;
  readonly state: SimulatorState;
  /** The realtime sessions' log; the control endpoints read it too. */
  realtime: RealtimeHub | undefined;
  baseUrl: string;
}

function modelOf(body: ParsedBody): string | undefined {
  if (
    body.kind === "json" &&
    typeof body.value === "object" &&
    body.value !== null &&
    "model" in body.value
  ) {
    return typeof body.value.model === "string" ? body.value.model : undefined;
  }
  if (body.kind === "multipart") return body.form.fields["model"];
  return undefined;
}

function isAbort(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === "AbortError" || error.name === "ConnectionDropped")
  );
}

/** Ties the request's fate to its record and to an abort signal that fires when the socket closes. */
function track(res: ServerResponse, record: RecordedRequest): AbortSignal {
  const controller = new AbortController();
  res.once("finish", () => settle(record, "completed"));
  res.once("close", () => {
    // A close before the whole answer was handed over is the client going away (or our drop,
    // already recorded): either way, every timer and wait tied to the signal stops now.
    if (!res.writableFinished) settle(record, "client-aborted");
    controller.abort();
  });
  return controller.signal;
}

function answerEarly(req: IncomingMessage, res: ServerResponse, error: AzureError): void {
  writeComplete(
    req,
    res,
    undefined,
    error.status,
    JSON_CONTENT_TYPE,
    JSON.stringify(error.body),
    error.headers,
  );
}

async function handle(shared: Shared, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://simulator");
  if (url.pathname.startsWith(CONTROL_PREFIX)) {
    handleControl(req, res, url.pathname, shared.log, shared.realtime?.log);
    return;
  }
  const record = shared.log.open(req, url);
  const signal = track(res, record);
  // Routed before the body is read only to know whether to keep uploaded file bytes; the answer
  // for an unknown route still waits for the key check below, as on Azure.
  const route = matchRoute(req.method ?? "GET", url.pathname, url.searchParams.has("api-version"));
  const keepFileBytes =
    route !== undefined && !("miss" in route) && route.operation === "files.create"
      ? MAX_FILE_CONTENT_BYTES
      : 0;
  let read: ReadBody;
  try {
    read = await readBody(req, keepFileBytes);
  } catch {
    // The client went away mid-upload; the close listener records it.
    return;
  }
  record.bodyBytes = read.bytes;
  record.bodySha256 = read.sha256;
  if (read.body.kind === "json" && read.body.bytes <= MAX_RECORDED_JSON_BYTES)
    record.json = read.body.value;

  if (!isAuthorized(req.headers, shared.options.apiKey))
    return answerEarly(req, res, unauthorized());
  if (route === undefined || "miss" in route) return answerEarly(req, res, notFound());
  let faults: Faults;
  try {
    faults = readFaults(req.headers, shared.options);
  } catch (error) {
    if (error instanceof FaultHeaderError)
      return answerEarly(req, res, badRequest(error.message, error.header));
    throw error;
  }
  const apiVersion = url.searchParams.get("api-version") ?? undefined;
  const exchange: Exchange = {
    req,
    res,
    signal,
    route,
    body: read.body,
    faults,
    record,
    apiVersion,
    deployment: route.deployment ?? modelOf(read.body),
    baseUrl: shared.baseUrl,
    state: shared.state,
  };
  try {
    if (faults.delayMs > 0) await sleep(faults.delayMs, undefined, { signal });
    if (faults.dropAfterChunks === 0) return dropConnection(exchange);
    if (faults.status !== undefined)
      return sendError(exchange, errorForStatus(faults.status, route.operation, apiVersion));
    if (
      OPERATIONS[route.operation].needsModel &&
      exchange.deployment === undefined &&
      (read.body.kind === "json" || read.body.kind === "multipart")
    ) {
      return sendError(exchange, badRequest("you must provide a model parameter", "model"));
    }
    await HANDLERS[route.operation](exchange);
  } catch (error) {
    if (isAbort(error) || error instanceof ConnectionDropped || signal.aborted) return;
    settle(record, "error");
    if (!res.headersSent) sendError(exchange, internalError());
    else res.destroy();
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function urlHost(host: string): string {
  // A wildcard bind is reachable on loopback; an IPv6 literal needs brackets in a URL.
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** A listening simulator's server and how to reach it. */
export interface Listening {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  readonly log: RequestLog;
  /** The Realtime API (WebSocket) side, attached to the server's `upgrade` event. */
  readonly realtime: RealtimeHub;
}

/**
 * Creates the `node:http` server (no framework: the benchmark measures the gateway, not this) and
 * listens. Each request is handled by {@link handle}; an unexpected throw becomes Azure's 500.
 * WebSocket upgrades go to the Realtime API ({@link attachRealtime}).
 */
export async function listenSimulator(options: ResolvedOptions): Promise<Listening> {
  const shared: Shared = {
    options,
    log: new RequestLog(options.maxRecorded),
    state: createState(),
    realtime: undefined,
    baseUrl: "",
  };
  const server = createServer((req, res) => {
    handle(shared, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const realtime = attachRealtime(server, options);
  shared.realtime = realtime;
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  shared.baseUrl = `http://${urlHost(options.host)}:${port}`;
  return { server, url: shared.baseUrl, port, log: shared.log, realtime };
}
