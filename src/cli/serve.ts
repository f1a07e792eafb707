/** `policy-gateway serve`: runs the gateway until SIGINT/SIGTERM. */

import { startGateway } from "../runtime/gateway.js";
import { isConfigProblem } from "./config-problem.js";

/** Starts the gateway; a config or policy problem exits 1 with precise messages. */
export async function serveCommand(opts: { config: string }): Promise<void> {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway({ configFile: opts.config });
  } catch (err) {
    if (isConfigProblem(err)) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  process.stderr.write(`policy-gateway listening on ${gateway.url} (admin ${gateway.adminUrl})\n`);
  // SIGHUP reloads config and policies (an invalid file keeps the running config).
  process.on("SIGHUP", () => {
    void gateway.reload("SIGHUP");
  });
  // SIGTERM/SIGINT shut down gracefully; a second signal exits at once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    gateway.log.info({ signal }, "shutting down");
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
