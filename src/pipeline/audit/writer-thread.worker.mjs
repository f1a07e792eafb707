/**
 * The audit file's writing thread (see writer-thread.ts, which starts it and owns the ring's
 * layout). Plain JavaScript because a worker thread loads its file as it is, from `src/` under the
 * tests and from `dist/` in production (`npm run build` copies it).
 *
 * It sleeps on the ring's head until the event loop publishes frames, writes the data frames that
 * follow each other with one `writev`, carries out commands in their place in the stream, and
 * moves the tail on. While frames keep coming it naps a few milliseconds between passes rather
 * than being woken for every batch: one write per nap instead of one per event-loop turn. It never returns to an event loop: everything it needs arrives in the ring.
 */
import { fsyncSync, writeSync, writevSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";

const { control: controlBuffer, ring: ringBuffer, layout: L } = workerData;
const control = new Int32Array(controlBuffer);
const frames = new Int32Array(ringBuffer);
const ring = new Uint8Array(ringBuffer);
const capacity = ring.length;
const mask = capacity - 1;
/** A word to sleep on when the file answers EAGAIN (never notified: a timed pause). */
const pause = new Int32Array(new SharedArrayBuffer(4));
/** How many data frames one `writev` takes at most (the system's IOV_MAX is 1024). */
const MAX_IOV = 256;

let fd = workerData.fd;
let tail = Atomics.load(control, L.tail) >>> 0;

const report = (err, where) =>
  parentPort.postMessage({ error: { message: err.message, code: err.code }, where });

/** Writes `chunks` whole, retrying a partial write and a full pipe or busy file. */
function writeAll(chunks) {
  let list = chunks;
  for (;;) {
    let written;
    try {
      written = list.length === 1 ? writeSync(fd, list[0]) : writevSync(fd, list);
    } catch (err) {
      if (err.code === "EAGAIN" || err.code === "EBUSY") {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      // Reported once per failed batch: the sink logs that records may be lost.
      report(err, "write");
      return;
    }
    // Drop what was written; a partial write continues where it stopped.
    while (list.length > 0 && written >= list[0].length) {
      written -= list[0].length;
      list = list.slice(1);
    }
    if (list.length === 0) return;
    list = [list[0].subarray(written), ...list.slice(1)];
  }
}

function syncFile(where) {
  try {
    fsyncSync(fd);
  } catch (err) {
    report(err, where);
  }
}

/** Consumes every frame up to `head`; false once a close frame ended the thread's work. */
function consume(head) {
  let pending = [];
  const flushData = () => {
    if (pending.length > 0) writeAll(pending);
    pending = [];
  };
  while (tail !== head) {
    const at = tail & mask;
    const type = frames[at >> 2];
    const arg = frames[(at >> 2) + 1];
    if (type === L.data) {
      pending.push(ring.subarray(at + L.header, at + L.header + arg));
      if (pending.length === MAX_IOV) flushData();
      tail = (tail + L.header + ((arg + 7) & ~7)) >>> 0;
      continue;
    }
    flushData();
    if (type === L.pad) {
      tail = (tail + arg) >>> 0;
    } else if (type === L.switchTo) {
      // Descriptors are the event loop's to close (Node warns when a thread closes one it did
      // not open): hand the finished file back.
      syncFile("fsync");
      parentPort.postMessage({ retired: fd });
      fd = arg;
      tail = (tail + L.header) >>> 0;
    } else if (type === L.sync) {
      syncFile("fsync");
      tail = (tail + L.header) >>> 0;
      // Moved before the answer: a flush that resolved sees nothing pending up to it.
      Atomics.store(control, L.tail, tail | 0);
      parentPort.postMessage({ synced: arg });
    } else if (type === L.close) {
      syncFile("fsync");
      tail = (tail + L.header) >>> 0;
      Atomics.store(control, L.tail, tail | 0);
      parentPort.postMessage({ closed: true });
      return false;
    } else {
      report(new Error(`unknown frame type ${type} at ${at}`), "ring");
      tail = head;
    }
  }
  flushData();
  return true;
}

/** Whether the last pass found frames: under traffic the thread naps instead of sleeping. */
let busy = false;
for (;;) {
  const head = Atomics.load(control, L.head) >>> 0;
  if (head === tail) {
    if (busy) {
      // Under traffic: let batches gather for a moment (the event loop does not wake a napping
      // thread, except for a flush or a filling ring), then write them with one system call.
      busy = false;
      Atomics.wait(control, L.head, tail | 0, L.napMs);
      continue;
    }
    Atomics.store(control, L.idle, 1);
    // The writer publishes, then looks at `idle`: re-read the head after raising it.
    if (Atomics.load(control, L.head) >>> 0 === tail) Atomics.wait(control, L.head, tail | 0);
    Atomics.store(control, L.idle, 0);
    continue;
  }
  busy = true;
  const more = consume(head);
  if (!more) break;
  Atomics.store(control, L.tail, tail | 0);
  // Exit waits on the tail (drainSync); the event loop waits for room when batches queued up.
  Atomics.notify(control, L.tail);
  if (Atomics.load(control, L.wantSpace) === 1) {
    Atomics.store(control, L.wantSpace, 0);
    parentPort.postMessage({ space: true });
  }
}
