/**
 * One writer per audit file. Two processes appending to one file interleave two hash chains and
 * break both (`audit verify` then fails), so a gateway takes a lock file beside the audit file at
 * start (created with O_EXCL, holding its pid and host name), refuses to start while another live
 * process holds it, takes over a stale lock left by a dead process, and removes it at shutdown.
 *
 * The lock is `.<name>.lock` in the audit file's directory: hidden, so `audit verify audit.log.*`
 * never picks it up as a rotated file.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { StartRefusedError } from "../../runtime/start-refused.js";

/** The lock file of the audit file at `path`. */
export function auditLockPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.lock`);
}

/** What a lock file says about its holder. */
interface LockHolder {
  pid: number;
  host: string;
}

/** Audit files this process holds, so a second gateway in the same process is refused too. */
const heldHere = new Set<string>();

function readHolder(lock: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(lock, "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return { pid: parsed.pid, host: parsed.host };
    }
  } catch {
    // Unreadable or half-written (a crash while creating it): no holder can be proven.
  }
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the holder named in a lock file can no longer be writing: a dead process on this host,
 * or this very pid (a restarted container is pid 1 again) without this process holding it.
 */
function isStale(holder: LockHolder | null, path: string): boolean {
  if (holder === null) return false;
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return !heldHere.has(path);
  return !isAlive(holder.pid);
}

/** A held audit lock; `release` removes it (idempotent). */
export interface AuditLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the lock of the audit file at `path` (absolute), or throws `StartRefusedError` naming the
 * holder. `onTakeOver` is told when a stale lock of a dead process was replaced.
 */
export function lockAuditFile(
  path: string,
  onTakeOver: (stale: { pid: number; host: string }) => void = () => undefined,
): AuditLock {
  const file = auditLockPath(path);
  const me: LockHolder = { pid: process.pid, host: hostname() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: "wx", mode: 0o644 });
      heldHere.add(path);
      let held = true;
      return {
        file,
        release() {
          if (!held) return;
          held = false;
          heldHere.delete(path);
          const now = readHolder(file);
          if (now?.pid === me.pid && now.host === me.host) {
            try {
              unlinkSync(file);
            } catch {
              // Already gone: nothing to release.
            }
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new StartRefusedError(
          `cannot create the audit lock \`${file}\`: ${(err as Error).message}`,
        );
      }
    }
    const holder = readHolder(file);
    if (attempt === 0 && isStale(holder, path)) {
      if (holder !== null) onTakeOver(holder);
      try {
        unlinkSync(file);
      } catch {
        // Another starter removed it first: the retry's O_EXCL decides who wins.
      }
      continue;
    }
    const who =
      holder === null
        ? "another process (the lock file names none)"
        : `process ${holder.pid} on ${holder.host === me.host ? "this host" : `host \`${holder.host}\``}`;
    throw new StartRefusedError(
      `the audit file \`${path}\` is already written by ${who}: one writer per file keeps its hash chain intact. ` +
        `Give each gateway its own audit.destination, or stop the other one; if none runs, delete \`${file}\`.`,
    );
  }
  throw new StartRefusedError(`cannot take the audit lock \`${file}\`: another process took it`);
}
