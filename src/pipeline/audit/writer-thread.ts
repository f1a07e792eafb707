/**
 * The audit file's writes, made on a thread of their own.
 *
 * Written through libuv's thread pool (sonic-boom's asynchronous mode), each batch of lines cost
 * the event loop the pool's hand-off and its completion callback: about 15 us per text-chat call
 * under load, more than the line's JSON and hash together (docs/performance.md, "Issue 14, round
 * eight" and "Stop 30"). Here the event loop copies each batch into a ring of shared memory and
 * goes on; a worker thread, woken only when it was asleep, writes what the ring holds with plain
 * synchronous writes (several batches per system call when they queue up). A slow or stuck disk
 * blocks that thread, never a request: the ring fills, batches wait in memory on the event loop's
 * side, and `pending` grows, which the sink reports as falling behind. No record is dropped.
 *
 * The ring carries commands in order with the data (switch to a new file at rotation, fsync for a
 * flush, close), so what was written before a rotation reaches the old file and a flush resolves
 * only once everything written before it is on disk. Descriptors are opened and closed on the
 * event loop's side; the thread only writes and fsyncs them. At process exit `drainSync` waits (bounded)
 * for the thread to empty the ring and writes what never fitted in it itself.
 */
import { closeSync, writeSync } from "node:fs";
import { Worker } from "node:worker_threads";

/**
 * The ring's layout, given to the worker with its data so both sides read it from one place.
 * Control words (Int32, in their own shared buffer): `head` and `tail` count bytes written into
 * and consumed from the ring (unsigned, wrapping at 2^32; the capacity is a power of two, so a
 * position is `count & (capacity - 1)`); `idle` is 1 while the worker sleeps (the writer wakes it
 * then, and for a flush, a close or a filling ring; not from a nap); `wantSpace` is 1 while batches wait outside the ring (the worker then posts "space"
 * after it consumed some). Frames are 8-byte aligned: an Int32 type and an Int32 argument (the
 * payload's length, a descriptor, a flush token), then the payload.
 */
export const RING = Object.freeze({
  head: 0,
  tail: 1,
  idle: 2,
  wantSpace: 3,
  controlWords: 4,
  header: 8,
  data: 1,
  /** The rest of the ring up to its end is unused: continue at position 0. */
  pad: 2,
  /** fsync the current file, post `{ retired: fd }`, continue on the descriptor in the argument. */
  switchTo: 3,
  /** fsync the current file, then post `{ synced: argument }`. */
  sync: 4,
  /** fsync the current file, post `{ closed: true }` and end the thread. */
  close: 5,
  /**
   * Under traffic the thread naps this long between passes (it is woken early only for a flush,
   * a close or a ring a quarter full): lines reach the file at most this much later.
   */
  napMs: 4,
});

/** 4 MiB: about 3,500 records of 1.2 KB; batches beyond it wait in memory, none is dropped. */
const CAPACITY = 4 * 1024 * 1024;
/** A napping thread is woken once this much waits in the ring. */
const WAKE_BYTES = CAPACITY / 4;
/** The largest payload of one data frame; a bigger batch goes in several. */
const MAX_PAYLOAD = CAPACITY / 4;
/** How long process exit waits for the thread to empty the ring. */
const EXIT_WAIT_MS = 5000;

const align8 = (n: number) => (n + 7) & ~7;

/** What the worker posts back. */
type WorkerMessage =
  | { space: true }
  | { synced: number }
  | { retired: number }
  | { closed: true }
  | { error: { message: string; code?: string }; where: string };

/** Work that did not fit in the ring, in order: bytes, or a command frame. */
type Waiting = Buffer | { type: number; arg: number };

/**
 * Encodes `lines[from..to)`, each followed by its newline, into `target` from byte `at`; returns
 * the position after the last newline. One pass, no intermediate strings.
 */
function encodeLines(
  target: Buffer,
  at: number,
  lines: readonly string[],
  from: number,
  to: number,
): number {
  let pos = at;
  for (let i = from; i < to; i++) {
    pos += target.write(lines[i]!, pos, "utf8");
    target[pos++] = 0x0a;
  }
  return pos;
}

/**
 * `lines[from..to)`, each followed by its newline, as one buffer of `total` bytes: one write per
 * batch rather than per line.
 */
export function batchBytes(
  lines: readonly string[],
  from: number,
  to: number,
  total: number,
): Buffer {
  const out = Buffer.allocUnsafe(total);
  encodeLines(out, 0, lines, from, to);
  return out;
}

/** Something wrong on the writing thread, reported instead of thrown. */
export type WriterErrorHandler = (err: Error, where: string) => void;

/** One audit file's writing thread and the ring that feeds it. */
export class AuditWriterThread {
  readonly #worker: Worker;
  readonly #control: Int32Array;
  readonly #ring: Buffer;
  readonly #frames: Int32Array;
  readonly #onError: WriterErrorHandler;
  /** Bytes of the ring this side has written (mirrors `head`; only this side changes it). */
  #head = 0;
  /** Batches and commands that did not fit, in order. */
  #waiting: Waiting[] = [];
  #waitingBytes = 0;
  readonly #syncs = new Map<number, () => void>();
  #nextToken = 1;
  /**
   * The descriptor the ring's newest frames go to (changed when a switch enters the ring, not
   * when it waits outside): where `drainSync` writes what waits, what `close` closes.
   */
  #fd: number;
  #closed: Promise<void> | null = null;
  #onClosed: (() => void) | null = null;

  constructor(fd: number, onError: WriterErrorHandler) {
    this.#fd = fd;
    this.#onError = onError;
    const control = new SharedArrayBuffer(RING.controlWords * 4);
    const ring = new SharedArrayBuffer(CAPACITY);
    this.#control = new Int32Array(control);
    this.#ring = Buffer.from(ring);
    this.#frames = new Int32Array(ring);
    this.#worker = new Worker(new URL("./writer-thread.worker.mjs", import.meta.url), {
      workerData: { control, ring, fd, layout: RING },
      // The thread must not keep a finished process alive; exit drains it (drainSync).
      stdout: false,
      stderr: false,
    });
    this.#worker.unref();
    this.#worker.on("message", (m: WorkerMessage) => this.#message(m));
    this.#worker.on("error", (err) => this.#onError(err, "audit writer thread"));
  }

  /**
   * Bytes accepted and not yet written: in the ring (with its frames' 8-byte headers and padding),
   * and waiting outside it.
   */
  get pending(): number {
    return ((this.#head - Atomics.load(this.#control, RING.tail)) >>> 0) + this.#waitingBytes;
  }

  /**
   * Appends `lines[from..to)`, each with its newline; `total` is their UTF-8 length with the
   * newlines. Encoded straight into the ring when it has room, which is nearly always.
   */
  write(lines: readonly string[], from: number, to: number, total: number): void {
    if (to === from) return;
    const size = RING.header + align8(total);
    if (this.#waiting.length === 0 && total <= MAX_PAYLOAD && this.#reserve(size)) {
      const at = this.#head & (CAPACITY - 1);
      this.#frames[at >> 2] = RING.data;
      this.#frames[(at >> 2) + 1] = total;
      encodeLines(this.#ring, at + RING.header, lines, from, to);
      this.#publish(size);
      return;
    }
    this.#queue(batchBytes(lines, from, to, total));
  }

  /** Appends raw bytes (the newline that closes a torn line found at startup). */
  writeBytes(bytes: Buffer): void {
    this.#queue(bytes);
  }

  /** Lines written from now on go to `fd`; the current file is fsynced and closed once finished. */
  switchTo(fd: number): void {
    this.#command(RING.switchTo, fd);
  }

  /** Resolves once everything written so far is in the file and fsynced. */
  sync(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    const token = this.#nextToken++;
    return new Promise<void>((resolve) => {
      this.#syncs.set(token, resolve);
      this.#command(RING.sync, token);
    });
  }

  /** Writes what is held, fsyncs, closes the file and ends the thread. */
  close(): Promise<void> {
    if (this.#closed === null) {
      this.#closed = new Promise<void>((resolve) => {
        this.#onClosed = resolve;
        this.#command(RING.close, 0);
      });
    }
    return this.#closed;
  }

  /**
   * Process exit: waits (at most a few seconds) for the thread to write the ring, then writes
   * what never fitted in it on this thread. Best effort: the process is going away.
   */
  drainSync(): void {
    const deadline = Date.now() + EXIT_WAIT_MS;
    Atomics.notify(this.#control, RING.head); // cut a nap short
    for (;;) {
      const tail = Atomics.load(this.#control, RING.tail);
      if (tail === (this.#head | 0)) break;
      const left = deadline - Date.now();
      if (left <= 0) return; // the thread is stuck on the disk: writing beside it would interleave
      Atomics.wait(this.#control, RING.tail, tail, Math.min(left, 50));
    }
    for (const item of this.#waiting) {
      if (Buffer.isBuffer(item)) this.#writeAllSync(item);
      else if (item.type === RING.switchTo) this.#fd = item.arg;
    }
    this.#waiting = [];
    this.#waitingBytes = 0;
  }

  #writeAllSync(bytes: Buffer): void {
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(this.#fd, bytes, at);
    } catch {
      // exiting: the error was the disk's, and there is no one left to tell
    }
  }

  #closeQuietly(fd: number): void {
    try {
      closeSync(fd);
    } catch (err) {
      this.#onError(err as Error, "close");
    }
  }

  #command(type: number, arg: number): void {
    if (this.#waiting.length === 0 && this.#reserve(RING.header)) this.#publishCommand(type, arg);
    else {
      this.#waiting.push({ type, arg });
      this.#askForSpace();
    }
  }

  /** Writes a command frame at the head (room reserved) and publishes it. */
  #publishCommand(type: number, arg: number): void {
    const at = this.#head & (CAPACITY - 1);
    this.#frames[at >> 2] = type;
    this.#frames[(at >> 2) + 1] = arg;
    // A flush or a close is waited for: wake a napping thread rather than let it finish its nap.
    this.#publish(RING.header, type !== RING.switchTo);
    if (type === RING.switchTo) this.#fd = arg;
  }

  #queue(bytes: Buffer): void {
    this.#waiting.push(bytes);
    this.#waitingBytes += bytes.length;
    this.#moveWaiting();
  }

  /**
   * Makes `size` contiguous bytes free at the head (padding to the ring's end when needed).
   * False when the ring has no room now.
   */
  #reserve(size: number): boolean {
    const used = (this.#head - Atomics.load(this.#control, RING.tail)) >>> 0;
    const at = this.#head & (CAPACITY - 1);
    const toEnd = CAPACITY - at;
    if (size <= toEnd) return used + size <= CAPACITY;
    if (used + toEnd + size > CAPACITY) return false;
    this.#frames[at >> 2] = RING.pad;
    this.#frames[(at >> 2) + 1] = toEnd;
    this.#publish(toEnd);
    return true;
  }

  /** Makes `size` more bytes visible to the thread and wakes it if it sleeps. */
  #publish(size: number, urgent = false): void {
    this.#head = (this.#head + size) >>> 0;
    Atomics.store(this.#control, RING.head, this.#head | 0);
    if (
      urgent ||
      Atomics.load(this.#control, RING.idle) === 1 ||
      (this.#head - Atomics.load(this.#control, RING.tail)) >>> 0 > WAKE_BYTES
    )
      Atomics.notify(this.#control, RING.head);
  }

  /** Moves waiting batches and commands into the ring, in order, as far as it has room. */
  #moveWaiting(): void {
    while (this.#waiting.length > 0) {
      const item = this.#waiting[0]!;
      if (!Buffer.isBuffer(item)) {
        if (!this.#reserve(RING.header)) {
          this.#askForSpace();
          return;
        }
        this.#publishCommand(item.type, item.arg);
        this.#waiting.shift();
        continue;
      }
      const n = Math.min(item.length, MAX_PAYLOAD);
      const size = RING.header + align8(n);
      if (!this.#reserve(size)) {
        this.#askForSpace();
        return;
      }
      const at = this.#head & (CAPACITY - 1);
      this.#frames[at >> 2] = RING.data;
      this.#frames[(at >> 2) + 1] = n;
      item.copy(this.#ring, at + RING.header, 0, n);
      this.#publish(size);
      this.#waitingBytes -= n;
      if (n === item.length) this.#waiting.shift();
      else this.#waiting[0] = item.subarray(n);
    }
  }

  /**
   * Asks the thread to post "space" once it has consumed something. The thread may have emptied
   * the ring just before the flag was set and gone to sleep: try once more after setting it.
   */
  #askForSpace(): void {
    Atomics.store(this.#control, RING.wantSpace, 1);
    const used = (this.#head - Atomics.load(this.#control, RING.tail)) >>> 0;
    if (used === 0) {
      Atomics.store(this.#control, RING.wantSpace, 0);
      this.#moveWaiting();
    }
  }

  #message(m: WorkerMessage): void {
    if ("space" in m) this.#moveWaiting();
    else if ("synced" in m) {
      const resolve = this.#syncs.get(m.synced);
      this.#syncs.delete(m.synced);
      resolve?.();
    } else if ("retired" in m) {
      this.#closeQuietly(m.retired);
    } else if ("closed" in m) {
      this.#closeQuietly(this.#fd);
      for (const resolve of this.#syncs.values()) resolve();
      this.#syncs.clear();
      this.#onClosed?.();
    } else {
      const err = Object.assign(new Error(m.error.message), { code: m.error.code });
      this.#onError(err, m.where);
    }
  }
}
