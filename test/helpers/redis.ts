/**
 * Redis for the fleet tests: the shared server `bash .ci/run` starts (`REDIS_URL`), and, for tests
 * that kill and restart Redis, a server of the test's own on a port from the OS. Without
 * `REDIS_URL` the fleet tests are skipped, and say so once.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

/** The Redis the fleet tests share, when the environment provides one. */
export const REDIS_URL = process.env.REDIS_URL;

/** Whether a `redis-server` binary is on the PATH (for tests that need their own). */
export const HAS_REDIS_SERVER =
  spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

let told = false;
/** Prints, once per file, why the fleet tests did not run. */
export function sayFleetSkipped(): void {
  if (REDIS_URL !== undefined || told) return;
  told = true;
  console.log(
    "fleet tests skipped (test/integration/fleet.test.ts, the Redis half of test/unit/store): REDIS_URL is not set; bash .ci/run starts Redis and sets it",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A `redis-server` of the test's own. */
export interface OwnRedis {
  url: string;
  /** Kills the server (SIGKILL): connections drop at once. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function launch(port: number): Promise<ChildProcess> {
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

async function ended(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
}

/** Starts a `redis-server` on a free port. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => ended(child, "SIGKILL"),
    async restart() {
      child = await launch(port);
    },
    stop: () => ended(child, "SIGTERM"),
  };
}
