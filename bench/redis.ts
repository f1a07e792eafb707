/**
 * A Redis server of our own on a free port, for the benchmark's fleet scenario and the tests that
 * kill and restart Redis: `redis-server` without persistence, ready once it says it accepts
 * connections. The benchmark skips the scenario (and says so) when it is not installed.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

/** Whether a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/** A port free on 127.0.0.1 now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `redis-server` on `port`; resolves once it accepts connections. */
export async function launchRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Ready to accept connections")) {
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

/** Sends `signal` to a server and waits for it to exit. */
export async function stopRedis(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
}

/** The benchmark's server. */
export interface BenchRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the benchmark's server, or undefined when `redis-server` is not installed. */
export async function startBenchRedis(): Promise<BenchRedis | undefined> {
  if (!hasRedisServer()) return undefined;
  const port = await freePort();
  const child = await launchRedis(port);
  process.once("exit", () => child.kill("SIGKILL"));
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => stopRedis(child, "SIGTERM"),
  };
}
