/**
 * Public types of the simulator. They live here, apart from `index.ts`, so that the internal
 * modules can share them without importing the entry point.
 */

/** Options of {@link startSimulator}; every field is optional so a bare call gives a usable stand-in. */
export interface SimulatorOptions {
  /** Interface to bind; default `127.0.0.1` (the simulator is never meant to face a network). */
  host?: string | undefined;
  /** Port to bind; default 0, the OS picks a free one (read it back from `RunningSimulator.port`). */
  port?: number | undefined;
  /** When set, requests must carry it in `api-key` or `Authorization: Bearer`, else Azure's 401 body. */
  apiKey?: string | undefined;
  /** When true, obey the `x-simulator-*` fault headers; when false they are ignored. */
  faults?: boolean | undefined;
  /** Default pause between streamed content chunks, in milliseconds (default 20). */
  chunkDelayMs?: number | undefined;
  /** Default number of content chunks (words) in an answer (default 8). */
  chunks?: number | undefined;
  /** Size of the ring buffers of recorded requests and of recorded realtime sessions (default 200 each). */
  maxRecorded?: number | undefined;
}

/** How a recorded request ended, so tests can prove what happened on the wire. */
export type RequestOutcome = "in-progress" | "completed" | "client-aborted" | "dropped" | "error";

/** One request as the simulator received it: what tests read to check what really reached upstream. */
export interface RecordedRequest {
  id: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[]>;
  bodyBytes: number;
  bodySha256: string;
  /** The parsed JSON body when it was JSON and at most 256 KiB. */
  json?: unknown;
  outcome: RequestOutcome;
  chunksSent: number;
  receivedAt: string;
}

/**
 * Who ended a realtime session: the client (a close frame, or its TCP connection going away), the
 * simulator (a close fault, a frame over the size limit, shutdown), or a drop fault.
 */
export type RealtimeClosedBy = "client" | "server" | "drop";

/** One client event a realtime session received, so tests can prove what reached upstream. */
export interface RecordedRealtimeEvent {
  /** The event's `type` when the frame was a JSON object with a string `type`, else null. */
  type: string | null;
  /** The client's `event_id` when it sent a string one, else null. */
  event_id: string | null;
  /** Size of the frame's payload. */
  bytes: number;
  /** True for a binary frame (the Realtime API speaks JSON text frames only). */
  binary: boolean;
  /** The parsed JSON when the frame was valid JSON of at most 256 KiB (and the session's budget allows). */
  json?: unknown;
  receivedAt: string;
}

/** One WebSocket upgrade to a realtime path, accepted or refused, and what happened on it. */
export interface RecordedRealtimeSession {
  /** The session id sent in `session.created` (`sess_...`); refused upgrades get one too. */
  id: string;
  path: string;
  query: Record<string, string>;
  /** The upgrade request's headers as received (names lowercased), keys included. */
  headers: Record<string, string | string[]>;
  /** The subprotocols the client offered in `Sec-WebSocket-Protocol`, in order. */
  subprotocols: string[];
  /** 101 once the upgrade was accepted, the HTTP status it was refused with, or 0 while deciding. */
  status: number;
  /** The deployment (preview path) or model (v1 path) the session is for, when given. */
  deployment: string | null;
  /** Client events, oldest first; at most the last 1000 (see `eventsReceived`). */
  events: RecordedRealtimeEvent[];
  /** Every client frame received, including those the per-session cap let go. */
  eventsReceived: number;
  /** Server events sent. */
  serverEvents: number;
  /** How often the simulator stopped sending to wait for the socket to drain. */
  backpressureWaits: number;
  /** The most bytes the socket held unsent after a send (bounded by the backpressure limit). */
  maxBufferedBytes: number;
  closeCode?: number;
  closeReason?: string;
  closedBy?: RealtimeClosedBy;
  openedAt: string;
}

/** Handle on a listening simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:53124` (no trailing slash); the SDK's `endpoint`. */
  url: string;
  port: number;
  /** Snapshot of the recorded requests, oldest first. */
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Snapshot of the recorded realtime (WebSocket) sessions, oldest first. */
  realtimeSessions(): RecordedRealtimeSession[];
  clearRealtime(): void;
  /**
   * Closes open realtime sessions (code 1001), stops listening and cuts open connections
   * (in-flight streams see a client abort).
   */
  close(): Promise<void>;
}
