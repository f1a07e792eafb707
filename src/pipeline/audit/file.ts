/**
 * The audit file: appended on a writing thread of its own (writer-thread.ts: the event loop copies
 * each batch into shared memory and never waits for the disk), rotated by size, rotated files
 * named after the time of rotation so that `ls` order is chronological order. Standard output stays
 * on sonic-boom: other writers share that descriptor, and writes from two threads could interleave.
 *
 * Rotation renames the live file (`audit.log` -> `audit.log.20261126T044001123Z`) and opens a new
 * one; the writing thread finishes the old file (fsync, close) when it reaches that point in the
 * stream, so lines written before the rotation land in the old file. The chain is not the file's
 * business: the sink hands it finished lines.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { pino } from "pino";
import { compactTime } from "./chain.js";
import { AuditWriterThread, batchBytes } from "./writer-thread.js";

/**
 * pino's sonic-boom: asynchronous appends, flushed synchronously if the process exits, in buffer
 * mode. In its default text mode sonic-boom measures the text it holds on every `write` (which
 * copies it whole while a write is in flight), encodes it when writing and encodes it again when
 * the write completes: the audit line was 11% of the bytes a text-chat call allocated
 * (docs/performance.md, "Issue 14, round four"). In buffer mode each line is encoded once, into
 * a buffer of its known length, and the buffers held are joined once per write.
 */
type SonicBoom = Omit<ReturnType<typeof pino.destination>, "write"> & {
  // sonic-boom's declarations give only the text form; in buffer mode it takes buffers.
  write(data: Buffer): boolean;
};
const boomOn = (fd: number): SonicBoom =>
  pino.destination({ dest: fd, sync: false, contentMode: "buffer" }) as unknown as SonicBoom;

/** Size rotation: start a new file before one would exceed `maxBytes`; keep `maxFiles` old ones. */
export interface RotateOptions {
  maxBytes: number;
  /** Rotated files kept (oldest deleted first); all are kept when null. */
  maxFiles: number | null;
}

/** Something the sink writes finished lines to. */
export interface LineOutput {
  /**
   * `lines` without newlines, in order; `bytes[i]` is the UTF-8 length of `lines[i]` plus one for
   * its newline.
   */
  write(lines: readonly string[], bytes: readonly number[]): void;
  /** Resolves once every line written so far has reached the destination (the disk, for files). */
  flush(): Promise<void>;
  /** Bytes accepted but not yet written. */
  readonly pending: number;
  /** Writes what is held synchronously, best effort (the process is exiting). */
  flushSync(): void;
  /** Flushes, then releases what the output holds (a file's writing thread). */
  close?(): Promise<void>;
}

/** sonic-boom's synchronous flush at exit; a destination that failed was reported already. */
function flushAtExit(boom: SonicBoom): void {
  try {
    boom.flushSync();
  } catch {
    // destroyed or failed: its error went to the operational log when it happened
  }
}

/** Problems the output reports instead of throwing from a request's completion. */
export type OutputErrorHandler = (err: Error, where: string) => void;

const STAMP = /^\d{8}T\d{9}Z$/;

/** Rotated files of `path`, oldest first (their names sort by rotation time). */
export function rotatedFiles(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && STAMP.test(n.slice(prefix.length)))
    .sort()
    .map((n) => join(dir, n));
}

/** The end of a file: its last complete line, and whether a torn (unterminated) line follows it. */
export interface FileTail {
  size: number;
  /** Bytes of the last newline-terminated line, without the newline; null when there is none. */
  lastLine: Buffer | null;
  /** The file does not end with a newline: a write was cut short (crash) or the file was edited. */
  torn: boolean;
}

/** Reads the end of `path` backwards until it holds the last complete line (bounded at 16 MiB). */
export function readTail(path: string): FileTail {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { size, lastLine: null, torn: false };
    const limit = Math.min(size, 16 * 1024 * 1024);
    let tail = Buffer.alloc(0);
    for (let step = 64 * 1024; ; step *= 2) {
      const want = Math.min(limit, step);
      const chunk = Buffer.alloc(want - tail.length);
      readSync(fd, chunk, 0, chunk.length, size - want);
      tail = Buffer.concat([chunk, tail]);
      const torn = tail[tail.length - 1] !== 0x0a;
      const lastNl = tail.lastIndexOf(0x0a);
      if (lastNl >= 0) {
        const prevNl = lastNl === 0 ? -1 : tail.lastIndexOf(0x0a, lastNl - 1);
        if (prevNl >= 0 || want === size)
          return { size, lastLine: tail.subarray(prevNl + 1, lastNl), torn };
      } else if (want === size) return { size, lastLine: null, torn };
      if (want === limit) return { size, lastLine: null, torn };
    }
  } finally {
    closeSync(fd);
  }
}

/** Opens `path` for appending, synchronously, so a bad path fails at startup, not later. */
function openAppend(path: string): number {
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, "a");
}

/**
 * Waits until `boom` has written everything it was given (`idle`). A destination that failed is
 * idle too: its error was reported, and shutdown must not hang on it.
 */
function drained(boom: SonicBoom, idle: () => boolean, onError: OutputErrorHandler): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      boom.off("drain", check);
      boom.off("error", failed);
      resolve();
    };
    const check = () => {
      if (idle()) done();
    };
    const failed = (err: Error) => {
      onError(err, "flush");
      done();
    };
    // sonic-boom's own flush(cb) calls back at once when minLength is 0: wait for `drain` instead.
    boom.on("drain", check);
    boom.on("error", failed);
    check();
  });
}

/** Standard output (or any descriptor) through sonic-boom. */
export class FdOutput implements LineOutput {
  readonly #boom: SonicBoom;
  readonly #onError: OutputErrorHandler;
  #pending = 0;
  #failed = false;

  constructor(fd: number, onError: OutputErrorHandler) {
    this.#boom = boomOn(fd);
    this.#boom.on("write", (n: number) => {
      this.#pending -= n;
    });
    this.#boom.on("error", (err: Error) => {
      this.#failed = true;
      onError(err, "write");
    });
    this.#onError = onError;
  }

  get pending(): number {
    return this.#pending;
  }

  write(lines: readonly string[], bytes: readonly number[]): void {
    let total = 0;
    for (const n of bytes) total += n;
    this.#pending += total;
    this.#boom.write(batchBytes(lines, 0, lines.length, total));
  }

  flush(): Promise<void> {
    return drained(this.#boom, () => this.#pending <= 0 || this.#failed, this.#onError);
  }

  flushSync(): void {
    flushAtExit(this.#boom);
  }
}

/** The audit file, rotated by size when `rotate` is given, written on its own thread. */
export class RotatingFileOutput implements LineOutput {
  readonly path: string;
  readonly #rotate: RotateOptions | null;
  readonly #onError: OutputErrorHandler;
  readonly #writer: AuditWriterThread;
  /** Bytes in the live file (what is on disk at open plus what was written since). */
  #size: number;
  #lastRotated = "";

  constructor(path: string, rotate: RotateOptions | null, onError: OutputErrorHandler) {
    this.path = path;
    this.#rotate = rotate;
    this.#onError = onError;
    const fd = openAppend(path);
    this.#size = fstatSync(fd).size;
    this.#writer = new AuditWriterThread(fd, (err, where) => onError(err, `${where} ${path}`));
  }

  get pending(): number {
    return this.#writer.pending;
  }

  write(lines: readonly string[], bytes: readonly number[]): void {
    // Lines before a rotation go to the file being rotated away, the rest to the new one.
    let from = 0;
    let total = 0;
    for (let i = 0; i < lines.length; i++) {
      const n = bytes[i]!;
      if (this.#rotate !== null && this.#size > 0 && this.#size + n > this.#rotate.maxBytes) {
        this.#writer.write(lines, from, i, total);
        from = i;
        total = 0;
        this.#rotateNow();
      }
      this.#size += n;
      total += n;
    }
    this.#writer.write(lines, from, lines.length, total);
  }

  /** Writes raw text (the newline that ends a torn line found at startup). */
  writeRaw(text: string): void {
    const bytes = Buffer.from(text);
    this.#size += bytes.length;
    this.#writer.writeBytes(bytes);
  }

  flushSync(): void {
    this.#writer.drainSync();
  }

  flush(): Promise<void> {
    return this.#writer.sync();
  }

  close(): Promise<void> {
    return this.#writer.close();
  }

  /** Renames the live file away and opens a new one; the thread finishes the old one in order. */
  #rotateNow(): void {
    let target = `${this.path}.${compactTime(new Date())}`;
    // Two rotations in one millisecond (a tiny maxBytes): the name must still sort after the last.
    for (let t = Date.now(); target <= this.#lastRotated || existsSync(target); ) {
      t += 1;
      target = `${this.path}.${compactTime(new Date(t))}`;
    }
    let fd: number;
    try {
      renameSync(this.path, target);
      fd = openAppend(this.path);
    } catch (err) {
      // Keep appending to the current file rather than lose records; try again at the next line.
      this.#onError(err as Error, `rotate ${this.path}`);
      return;
    }
    this.#writer.switchTo(fd);
    this.#lastRotated = target;
    this.#size = 0;
    this.#prune();
  }

  #prune(): void {
    const max = this.#rotate?.maxFiles ?? null;
    if (max === null) return;
    const files = rotatedFiles(this.path);
    for (const f of files.slice(0, Math.max(0, files.length - max))) {
      try {
        unlinkSync(f);
      } catch (err) {
        this.#onError(err as Error, `delete ${f}`);
      }
    }
  }
}
