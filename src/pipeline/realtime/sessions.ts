/**
 * The realtime sessions open on this process: counted for the metrics, and closed with 1001 when
 * a shutdown's drain deadline is reached.
 */
import type { RealtimeRelay } from "./relay.js";

/** The open sessions of one data plane. */
export class RealtimeSessions {
  readonly #open = new Set<RealtimeRelay>();

  get size(): number {
    return this.#open.size;
  }

  add(relay: RealtimeRelay): void {
    this.#open.add(relay);
  }

  delete(relay: RealtimeRelay): void {
    this.#open.delete(relay);
  }

  /** Closes every open session on both sides with `code` (1001 at shutdown). */
  closeAll(code: number, reason: string): void {
    for (const relay of this.#open) relay.close(code, reason);
  }

  /** Cuts every session's sockets without a close handshake (after the close had its chance). */
  terminateAll(): void {
    for (const relay of this.#open) relay.terminate();
  }
}
