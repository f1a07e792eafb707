import { once } from "node:events";
import type { Duplex } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import WebSocket from "ws";
import { newId } from "../ids.js";
import type { RecordedRealtimeSession } from "../types.js";
import type { RealtimeFaults } from "./faults.js";
import type { ServerEvent } from "./wire.js";

/** Unsent bytes past which the sender waits for the socket to drain before sending more. */
export const BACKPRESSURE_BYTES = 64 * 1024;
/** Sends between two turns of the event loop when the socket keeps up, so one session cannot hog it. */
const SENDS_PER_TURN = 64;

/** Who is ending the session from the simulator's side, and how. */
export type Ending =
  | { readonly by: "server"; readonly code: number; readonly reason: string }
  | { readonly by: "drop" };

/** ws's receiver errors (`WS_ERR_*`), and the close code ws answers each with. */
function closeCodeOf(code: string): number {
  if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return 1009;
  if (code === "WS_ERR_INVALID_UTF8") return 1007;
  return 1002;
}

/**
 * Sends a session's server events as JSON text frames, each stamped with a fresh `event_id`. It
 * counts them into the record, obeys the drop and close faults (counted in server events), and
 * applies backpressure: past {@link BACKPRESSURE_BYTES} unsent it stops reading client frames and
 * waits for the socket to drain, so a slow reader stalls the simulator instead of filling its
 * memory. Every wait ends when the session does.
 */
export class EventSender {
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  readonly #record: RecordedRealtimeSession;
  readonly #faults: RealtimeFaults;
  readonly #signal: AbortSignal;
  #ending: Ending | undefined;
  #drained: Promise<void> | undefined;
  #sinceTurn = 0;

  constructor(
    ws: WebSocket,
    socket: Duplex,
    record: RecordedRealtimeSession,
    faults: RealtimeFaults,
    signal: AbortSignal,
  ) {
    this.#ws = ws;
    this.#socket = socket;
    this.#record = record;
    this.#faults = faults;
    this.#signal = signal;
  }

  /** How the simulator is ending the session, undefined while it is not (or the client is). */
  get ending(): Ending | undefined {
    return this.#ending;
  }

  /** Whether events may still be sent. */
  get open(): boolean {
    return (
      this.#ending === undefined && !this.#signal.aborted && this.#ws.readyState === WebSocket.OPEN
    );
  }

  /** Applies a drop or close fault of 0 events, right after the upgrade; true when one applied. */
  applyFaultsAtStart(): boolean {
    if (this.#faults.dropAfter === 0) {
      this.drop();
      return true;
    }
    if (this.#faults.closeAfter?.after === 0) {
      this.close(this.#faults.closeAfter.code, "simulated close");
      return true;
    }
    return false;
  }

  /**
   * Sends one event. Resolves when more may be sent (after a drain wait, if one was needed) with
   * whether the session still takes events; false once it is closing, dropped or gone.
   */
  async send(event: ServerEvent): Promise<boolean> {
    if (!this.open) return false;
    const frame = JSON.stringify({ event_id: newId.realtimeEvent(), ...event });
    const sent = ++this.#record.serverEvents;
    const { dropAfter, closeAfter } = this.#faults;
    if (dropAfter !== undefined && sent >= dropAfter) {
      // Destroy only once this last frame is handed to the kernel, so the client gets N events.
      this.#ending = { by: "drop" };
      this.#ws.send(frame, () => this.#socket.destroy());
      return false;
    }
    this.#ws.send(frame);
    if (closeAfter !== undefined && sent >= closeAfter.after) {
      this.close(closeAfter.code, "simulated close");
      return false;
    }
    const buffered = this.#ws.bufferedAmount;
    if (buffered > this.#record.maxBufferedBytes) this.#record.maxBufferedBytes = buffered;
    if (buffered > BACKPRESSURE_BYTES) {
      await this.#drain();
    } else if (++this.#sinceTurn >= SENDS_PER_TURN) {
      this.#sinceTurn = 0;
      await nextTurn();
    }
    return this.open;
  }

  /** Closes the session normally with a close frame (close fault, shutdown). */
  close(code: number, reason: string): void {
    if (this.#ending !== undefined) return;
    this.#ending = { by: "server", code, reason };
    this.#ws.close(code, reason);
  }

  /** Destroys the TCP socket without a close frame (drop fault). */
  drop(): void {
    if (this.#ending?.by === "drop") return;
    this.#ending = { by: "drop" };
    this.#socket.destroy();
  }

  /** Notes an error ws raised on a client frame (too large, bad UTF-8): ws closes the session. */
  protocolError(error: Error & { code?: string }): void {
    if (this.#ending !== undefined || !error.code?.startsWith("WS_ERR_")) return;
    this.#ending = { by: "server", code: closeCodeOf(error.code), reason: error.message };
  }

  /** One wait for `drain` shared by every sender; client frames are not read meanwhile. */
  #drain(): Promise<void> {
    if (this.#drained !== undefined) return this.#drained;
    this.#record.backpressureWaits++;
    this.#ws.pause();
    this.#drained = (async () => {
      try {
        while (
          this.open &&
          this.#ws.bufferedAmount > BACKPRESSURE_BYTES &&
          this.#socket.writableNeedDrain
        ) {
          await once(this.#socket, "drain", { signal: this.#signal });
        }
      } catch {
        // The session ended while waiting: the caller sees `open` false.
      } finally {
        this.#drained = undefined;
        if (this.#ws.readyState === WebSocket.OPEN) this.#ws.resume();
      }
    })();
    return this.#drained;
  }
}
