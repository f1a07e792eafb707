import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { SSE_CONTENT_TYPE } from "./azure-headers.js";
import { ConnectionDropped, dropConnection, type Exchange, headersFor } from "./exchange.js";

/**
 * Writes a server-sent event stream the way Azure does (`data: {...}\n\n`, optionally preceded by
 * `event: <type>` for the Responses API). Each event respects backpressure (waits for 'drain' when
 * `write` returns false), counts into the request log, and obeys the drop fault. Every wait is tied
 * to the exchange's abort signal, so nothing keeps running once the client is gone.
 */
export class SseWriter {
  readonly #exchange: Exchange;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
    exchange.res.writeHead(
      200,
      headersFor(exchange, { "content-type": SSE_CONTENT_TYPE, "cache-control": "no-cache" }),
    );
    // Send the headers now: clients (and the gateway's time-to-first-byte) see the stream open.
    exchange.res.flushHeaders();
  }

  /** Sends one event; `data` is JSON-encoded unless it is already a string (e.g. `[DONE]`). */
  async send(data: unknown, event?: string): Promise<void> {
    const { res, record, signal, faults } = this.#exchange;
    signal.throwIfAborted();
    const payload = typeof data === "string" ? data : JSON.stringify(data);
    const text =
      event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`;
    const dropNow =
      faults.dropAfterChunks !== undefined && record.chunksSent + 1 >= faults.dropAfterChunks;
    if (dropNow) {
      // Wait until this last event is handed to the kernel, so the client really gets N events.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off("close", done);
          resolve();
        };
        res.once("close", done);
        res.write(text, done);
      });
      record.chunksSent++;
      dropConnection(this.#exchange);
      throw new ConnectionDropped();
    }
    const flushed = res.write(text);
    record.chunksSent++;
    if (!flushed) await once(res, "drain", { signal });
  }

  /** Waits the chunk delay (none when it is 0); rejects with an AbortError if the client leaves. */
  async pause(): Promise<void> {
    const { faults, signal } = this.#exchange;
    if (faults.chunkDelayMs > 0) await sleep(faults.chunkDelayMs, undefined, { signal });
  }

  /** Ends the response. */
  end(): void {
    this.#exchange.res.end();
  }
}
