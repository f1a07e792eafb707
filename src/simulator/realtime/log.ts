import type { IncomingMessage } from "node:http";
import { MAX_RECORDED_JSON_BYTES } from "../body.js";
import type { RecordedRealtimeEvent, RecordedRealtimeSession } from "../types.js";

/** Client events kept per session; older ones go first, `eventsReceived` still counts them. */
export const MAX_RECORDED_EVENTS = 1000;
/** Parsed JSON kept per session; past it events are recorded without `json`. */
export const MAX_RECORDED_JSON_PER_SESSION = 8 * 1024 * 1024;

/** A recorded session and the JSON bytes it has used of its budget (not part of the record). */
interface Entry {
  readonly session: RecordedRealtimeSession;
  jsonBytes: number;
}

/**
 * The ring buffer of realtime sessions behind `sim.realtimeSessions()` and
 * `GET /_simulator/realtime`: the last `max` upgrades, oldest first, each with a bounded list of the
 * client events it received. Entries change while their session runs, and are copied when read.
 */
export class RealtimeLog {
  readonly #max: number;
  #entries: Entry[] = [];
  readonly #bySession = new WeakMap<RecordedRealtimeSession, Entry>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Records an upgrade as it arrives, before it is accepted or refused. */
  open(
    req: IncomingMessage,
    url: URL,
    id: string,
    subprotocols: string[],
  ): RecordedRealtimeSession {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = value;
    }
    const session: RecordedRealtimeSession = {
      id,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      subprotocols,
      status: 0,
      deployment: null,
      events: [],
      eventsReceived: 0,
      serverEvents: 0,
      backpressureWaits: 0,
      maxBufferedBytes: 0,
      openedAt: new Date().toISOString(),
    };
    const entry: Entry = { session, jsonBytes: 0 };
    this.#bySession.set(session, entry);
    this.#entries.push(entry);
    if (this.#entries.length > this.#max) this.#entries.splice(0, this.#entries.length - this.#max);
    return session;
  }

  /**
   * Records one client frame: its `type` and `event_id` when it parsed as a JSON object, and the
   * parsed value itself while it is small and the session's JSON budget lasts.
   */
  event(session: RecordedRealtimeSession, bytes: number, binary: boolean, parsed: unknown): void {
    const entry = this.#bySession.get(session);
    const object =
      typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    const type = object?.["type"];
    const eventId = object?.["event_id"];
    const event: RecordedRealtimeEvent = {
      type: typeof type === "string" ? type : null,
      event_id: typeof eventId === "string" ? eventId : null,
      bytes,
      binary,
      receivedAt: new Date().toISOString(),
    };
    if (
      parsed !== undefined &&
      entry !== undefined &&
      bytes <= MAX_RECORDED_JSON_BYTES &&
      entry.jsonBytes + bytes <= MAX_RECORDED_JSON_PER_SESSION
    ) {
      event.json = parsed;
      entry.jsonBytes += bytes;
    }
    session.eventsReceived++;
    session.events.push(event);
    if (session.events.length > MAX_RECORDED_EVENTS) {
      const dropped = session.events.shift();
      if (entry !== undefined && dropped?.json !== undefined) entry.jsonBytes -= dropped.bytes;
    }
  }

  /** Copies of the sessions, so callers cannot change what later reads see. */
  list(): RecordedRealtimeSession[] {
    return this.#entries.map(({ session }) => ({
      ...session,
      query: { ...session.query },
      headers: { ...session.headers },
      subprotocols: [...session.subprotocols],
      events: session.events.map((event) => ({ ...event })),
    }));
  }

  clear(): void {
    this.#entries = [];
  }
}
