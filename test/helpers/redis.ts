/**
 * Redis for the fleet tests: the shared server `bash .ci/run` starts (`REDIS_URL`), and, for tests
 * that kill and restart Redis, a server of the test's own on a port from the OS. Without
 * `REDIS_URL` the fleet tests are skipped, and say so once.
 */
import { freePort, hasRedisServer, launchRedis, stopRedis } from "../../bench/redis.js";

/** The Redis the fleet tests share, when the environment provides one. */
export const REDIS_URL = process.env.REDIS_URL;

/** Whether a `redis-server` binary is on the PATH (for tests that need their own). */
export const HAS_REDIS_SERVER = hasRedisServer();

let told = false;
/** Prints, once per file, why the fleet tests did not run. */
export function sayFleetSkipped(): void {
  if (REDIS_URL !== undefined || told) return;
  told = true;
  console.log(
    "fleet tests skipped (test/integration/fleet.test.ts, the Redis half of test/unit/store): REDIS_URL is not set; bash .ci/run starts Redis and sets it",
  );
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

/** Starts a `redis-server` on a free port. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child = await launchRedis(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => stopRedis(child, "SIGKILL"),
    async restart() {
      child = await launchRedis(port);
    },
    stop: () => stopRedis(child, "SIGTERM"),
  };
}
