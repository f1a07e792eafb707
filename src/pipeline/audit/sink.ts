/**
 * Where audit records go: one pino JSON line each, to stdout by default or to a file. Writes are
 * asynchronous (pino's sonic-boom) so auditing never blocks a request; `flush` drains on shutdown.
 */
import type { Writable } from "node:stream";
import { pino } from "pino";
import type { AuditRecord } from "./record.js";

/** The audit output of a running gateway. */
export interface AuditSink {
  write(record: AuditRecord): void;
  /** Waits until every written record has reached its destination. */
  flush(): Promise<void>;
}

/** Opens the audit destination: `stdout`, a file path, or a stream (tests). */
export function openAuditSink(destination: "stdout" | string | Writable): AuditSink {
  const stream =
    typeof destination === "string"
      ? pino.destination({
          dest: destination === "stdout" ? 1 : destination,
          sync: false,
          mkdir: true,
          minLength: 0,
        })
      : destination;
  const logger = pino(
    {
      base: null,
      level: "info",
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: () => ({ kind: "audit" }) },
    },
    stream,
  );
  return {
    write(record) {
      logger.info(record);
    },
    flush() {
      return new Promise<void>((resolve) => {
        const s = stream as { flush?: (cb: (err?: Error) => void) => void };
        if (typeof s.flush === "function" && typeof destination === "string") {
          s.flush(() => resolve());
        } else resolve();
      });
    },
  };
}
