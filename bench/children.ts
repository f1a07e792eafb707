/**
 * The benchmark's child processes (canned upstream, floor proxy, gateway) and what is read about
 * them from /proc: CPU time and resident memory. Every child is killed when the benchmark exits,
 * whether it ends normally, fails or is interrupted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** A started child and the origin it listens on. */
export interface Child {
  name: string;
  pid: number;
  origin: string;
  process: ChildProcess;
  /** Sends SIGTERM and waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function track(name: string, child: ChildProcess, origin: string): Child {
  if (child.pid === undefined) throw new Error(`${name}: no pid`);
  return {
    name,
    pid: child.pid,
    origin,
    process: child,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await waitExit(child);
      clearTimeout(timer);
      live.delete(child);
    },
  };
}

/**
 * Starts a bench child (a script of ours) that reports `{ port }` over IPC once it listens.
 */
export function startIpcChild(
  name: string,
  script: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<Child> {
  const child = spawn(process.execPath, [...execArgv, script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  live.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: did not start in 15 s`)), 15_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited during start-up (${code ?? signal})`));
    });
    child.once("message", (msg: { port?: number }) => {
      clearTimeout(timer);
      if (typeof msg.port !== "number") {
        reject(new Error(`${name}: unexpected start-up message`));
        return;
      }
      child.removeAllListeners("exit");
      child.disconnect();
      resolve(track(name, child, `http://127.0.0.1:${msg.port}`));
    });
  });
}

/**
 * Starts the gateway (`node dist/src/cli/main.js serve --config FILE`); its URL comes from the
 * line `policy-gateway listening on <url> (admin <url>)` it writes to stderr.
 */
export function startGatewayChild(
  mainJs: string,
  configFile: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<Child> {
  const child = spawn(process.execPath, [...execArgv, mainJs, "serve", "--config", configFile], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "pipe"],
  });
  live.add(child);
  return new Promise((resolve, reject) => {
    let seen = "";
    let started = false;
    const timer = setTimeout(() => reject(new Error("gateway: did not start in 30 s")), 30_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (!started)
        reject(new Error(`gateway: exited during start-up (${code ?? signal})\n${seen}`));
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      if (started) {
        process.stderr.write(text.replace(/^(?=.)/gm, "[gateway] "));
        return;
      }
      seen += text;
      const m = /policy-gateway listening on (http:\/\/\S+)/.exec(seen);
      if (m?.[1] !== undefined) {
        started = true;
        clearTimeout(timer);
        resolve(track("gateway", child, m[1]));
      }
    });
  });
}

/**
 * CPU time (user + system, every thread) of a process in microseconds. Sums the per-thread
 * run times of /proc/<pid>/task/<tid>/schedstat (nanoseconds) rather than the clock ticks of
 * /proc/<pid>/stat, whose 10 ms resolution is too coarse for short phases.
 */
export function cpuMicros(pid: number): number {
  let ns = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return statCpuMicros(pid);
  }
  let ok = false;
  for (const tid of tasks) {
    try {
      const first = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ", 1)[0];
      ns += Number(first);
      ok = true;
    } catch {
      // the thread ended in between
    }
  }
  return ok && ns > 0 ? ns / 1000 : statCpuMicros(pid);
}

const CLK_TCK = 100;

function statCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLK_TCK;
}

/** One `VmXXX` value of /proc/<pid>/status, in bytes. */
export function vmBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (m?.[1] === undefined) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Resets the peak RSS (VmHWM) of a process to its current RSS; false where not permitted. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
