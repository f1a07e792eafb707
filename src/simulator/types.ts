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
  /** Size of the ring buffer of recorded requests (default 200). */
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

/** Handle on a listening simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:53124` (no trailing slash); the SDK's `endpoint`. */
  url: string;
  port: number;
  /** Snapshot of the recorded requests, oldest first. */
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Stops listening and cuts open connections (in-flight streams see a client abort). */
  close(): Promise<void>;
}
