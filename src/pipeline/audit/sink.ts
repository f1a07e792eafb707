/**
 * Where audit records go: one chained JSON line each (see chain.ts), to stdout by default or to a
 * file rotated by size. Writes are asynchronous (a file's writing thread, or sonic-boom for standard
 * output) so auditing never blocks a request; `flush` waits until every line reached its
 * destination.
 *
 * The records handed over during one event-loop turn are serialised, chained and written together
 * at the end of the turn (`setImmediate`), in the order they came, each stamped with the time it
 * was handed over. One pass over a batch runs the JSON serialiser and SHA-256 back to back with
 * warm caches: measured under load, a record cost half as much chained this way as chained inside
 * the request's own completion. A record must therefore not change once written (none does: each
 * is built for the write). At process exit (an uncaught exception included) the held records are
 * chained and written synchronously (after sonic-boom's own exit flush, or once a file's writing
 * thread has emptied its ring), so an exit loses no record that writing each at once would have
 * kept.
 *
 * A file continues the chain of its last line when the gateway restarts, so one file (and its
 * rotated predecessors) is one unbroken chain: records removed around a restart are detected too.
 * Standard output cannot be read back: every start begins a new chain there.
 *
 * The anchor (chain, seq and hash of the latest record) goes to the operational log every
 * `anchor.everyRecords` records, `anchor.everySeconds` after an unanchored record, and on flush:
 * compared with a file, it reveals a deleted tail, which the file alone cannot.
 */
import { existsSync } from "node:fs";
import type { Writable } from "node:stream";
import { register as onExit } from "on-exit-leak-free";
import { AuditChain, type ChainState, freshChain, stateAfter } from "./chain.js";
import {
  FdOutput,
  type LineOutput,
  type OutputErrorHandler,
  type RotateOptions,
  RotatingFileOutput,
  readTail,
  rotatedFiles,
} from "./file.js";
import type { AuditRecord } from "./record.js";

/** The audit output of a running gateway. */
export interface AuditSink {
  write(record: AuditRecord): void;
  /** Logs the anchor, then waits until every written record has reached its destination. */
  flush(): Promise<void>;
  /** Flushes, then releases the destination (a file's writing thread): the gateway's last call. */
  close(): Promise<void>;
  /** The latest record written: what `audit verify` must end with. */
  anchor(): Readonly<ChainState>;
}

/** The operational log, as far as the sink needs it (a pino logger). */
export interface AuditLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** How often the anchor is logged. */
export interface AnchorOptions {
  everyRecords: number;
  everySeconds: number;
}

export interface AuditSinkOptions {
  /** Size rotation, for a file destination. */
  rotate?: RotateOptions | null;
  anchor?: AnchorOptions;
  log?: AuditLog;
}

/** Buffered-but-unwritten bytes above which the destination is reported as falling behind. */
const BEHIND_BYTES = 8 * 1024 * 1024;
const DEFAULT_ANCHOR: AnchorOptions = { everyRecords: 1000, everySeconds: 60 };
const silent: AuditLog = { info() {}, warn() {}, error() {} };

/** A test stream (or any Writable): lines in order, flush once the stream has taken them all. */
function writableOutput(stream: Writable): LineOutput {
  return {
    pending: 0,
    write(lines) {
      for (const line of lines) stream.write(`${line}\n`);
    },
    flush() {
      // Written chunks are handled in order: this callback runs after all earlier ones.
      return new Promise<void>((resolve) => stream.write("", () => resolve()));
    },
    flushSync() {
      // a stream takes its writes synchronously; what it does with them is its own business
    },
  };
}

/**
 * The chain a file destination continues: its last complete line's, or (when the live file is
 * empty, just rotated) the newest rotated file's. A fresh chain when there is nothing to continue.
 */
function continueFrom(
  path: string,
  log: AuditLog,
): { state: ChainState; tornAt: number | null; continued: boolean } {
  const tail = existsSync(path) ? readTail(path) : null;
  const tornAt = tail?.torn ? tail.size : null;
  if (tornAt !== null) {
    log.warn(
      { file: path, byteOffset: tornAt },
      "audit file ends with an incomplete line (a crash during a write?): it is closed with a newline and `audit verify` will report it",
    );
  }
  let line = tail?.lastLine ?? null;
  let from = path;
  if (line === null) {
    const previous = rotatedFiles(path).at(-1);
    if (previous !== undefined) {
      line = readTail(previous).lastLine;
      from = previous;
    }
  }
  if (line === null) return { state: freshChain(), tornAt, continued: false };
  const state = stateAfter(line);
  if (state === null) {
    log.warn(
      { file: from },
      "the last line of the audit file is not a chained audit record: starting a new chain",
    );
    return { state: freshChain(), tornAt, continued: false };
  }
  return { state, tornAt, continued: true };
}

/** Opens the audit destination: `stdout`, a file path, or a stream (tests). */
export function openAuditSink(
  destination: "stdout" | string | Writable,
  options: AuditSinkOptions = {},
): AuditSink {
  const log = options.log ?? silent;
  const anchorEvery = options.anchor ?? DEFAULT_ANCHOR;
  const onError: OutputErrorHandler = (err, where) =>
    log.error({ err, where }, "audit destination failed: records may be lost");

  let output: LineOutput;
  let start: ChainState;
  if (typeof destination !== "string") {
    output = writableOutput(destination);
    start = freshChain();
  } else if (destination === "stdout") {
    output = new FdOutput(1, onError);
    start = freshChain();
  } else {
    const found = continueFrom(destination, log);
    const file = new RotatingFileOutput(destination, options.rotate ?? null, onError);
    if (found.tornAt !== null) file.writeRaw("\n");
    output = file;
    start = found.state;
    log.info(
      { file: destination, chain: start.chain, seq: start.seq, continued: found.continued },
      found.continued ? "audit chain continued from the file" : "audit chain started",
    );
  }
  const chain = new AuditChain(start);

  let unanchored = 0;
  let timer: NodeJS.Timeout | undefined;
  let behind = false;
  const logAnchor = (why: string) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    unanchored = 0;
    const { chain: id, seq, hash } = chain.state;
    log.info({ chain: id, seq, hash, why }, "audit anchor");
  };

  /** Records handed over during this event-loop turn, and when: chained at the end of the turn. */
  let held: AuditRecord[] = [];
  let heldAt: number[] = [];
  let scheduled = false;

  /** Chains `record` into `lines` (its size into `bytes`): the batch written at once. */
  const append = (record: AuditRecord, at: number, lines: string[], bytes: number[]) => {
    const line = chain.next(record, new Date(at).toISOString());
    lines.push(line);
    bytes.push(Buffer.byteLength(line) + 1);
    unanchored += 1;
    if (unanchored >= anchorEvery.everyRecords) logAnchor("records");
    else if (timer === undefined) {
      timer = setTimeout(() => logAnchor("interval"), anchorEvery.everySeconds * 1000);
      timer.unref();
    }
  };
  const chainHeld = () => {
    scheduled = false;
    if (held.length === 0) return;
    const records = held;
    const at = heldAt;
    held = [];
    heldAt = [];
    const lines: string[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < records.length; i++) append(records[i]!, at[i]!, lines, bytes);
    // One write for the batch: the whole turn's records reach the destination together.
    output.write(lines, bytes);
    // Never drop a record: buffer, and say so when the destination cannot keep up.
    const pending = output.pending;
    if (!behind && pending > BEHIND_BYTES) {
      behind = true;
      log.warn({ pendingBytes: pending }, "audit destination is falling behind: buffering");
    } else if (behind && pending < BEHIND_BYTES / 2) {
      behind = false;
      log.info({ pendingBytes: pending }, "audit destination caught up");
    }
  };
  const sink: AuditSink = {
    write(record) {
      held.push(record);
      heldAt.push(Date.now());
      if (!scheduled) {
        scheduled = true;
        setImmediate(chainHeld);
      }
    },
    async flush() {
      chainHeld();
      if (chain.state.seq > 0) logAnchor("flush");
      await output.flush();
    },
    async close() {
      await sink.flush();
      await output.close?.();
    },
    anchor() {
      chainHeld();
      return chain.state;
    },
  };
  atExit.set(sink, () => {
    chainHeld();
    // A file's writing thread may still hold lines in its ring: wait for it (bounded).
    output.flushSync();
  });
  // After the destination's own exit flush, registered when it was opened: they run in order.
  onExit(sink, chainAtExit);
  return sink;
}

/** What each live sink does at process exit (on-exit-leak-free holds sinks weakly). */
const atExit = new WeakMap<AuditSink, () => void>();
const chainAtExit = (sink: AuditSink) => atExit.get(sink)?.();
