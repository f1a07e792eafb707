import type { IncomingMessage } from "node:http";
import type { RecordedRequest, RequestOutcome } from "./types.js";

/**
 * The ring buffer behind `GET /_simulator/requests`: the last `max` requests, oldest first. Entries
 * are mutable while their request runs (outcome, chunk count), and copied when read.
 */
export class RequestLog {
  readonly #max: number;
  #entries: RecordedRequest[] = [];
  #nextId = 1;

  constructor(max: number) {
    this.#max = max;
  }

  /** Records a request as it arrives, before its body is read. */
  open(req: IncomingMessage, url: URL): RecordedRequest {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = value;
    }
    const entry: RecordedRequest = {
      id: this.#nextId++,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      bodyBytes: 0,
      bodySha256: "",
      outcome: "in-progress",
      chunksSent: 0,
      receivedAt: new Date().toISOString(),
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.#max) this.#entries.splice(0, this.#entries.length - this.#max);
    return entry;
  }

  /** Copies of the entries, so callers cannot change what later reads see. */
  list(): RecordedRequest[] {
    return this.#entries.map((entry) => ({
      ...entry,
      query: { ...entry.query },
      headers: { ...entry.headers },
    }));
  }

  clear(): void {
    this.#entries = [];
  }
}

/** Moves a request to its final outcome once; later calls (e.g. the close after a drop) are ignored. */
export function settle(
  entry: RecordedRequest,
  outcome: Exclude<RequestOutcome, "in-progress">,
): void {
  if (entry.outcome === "in-progress") entry.outcome = outcome;
}
