/** `policy-gateway serve`: runs the gateway until SIGINT/SIGTERM. */

import { startGateway } from "../runtime/gateway.js";

/**
 * Starts the gateway; a failure to start (an invalid config or policy, a port in use) rejects,
 * and the CLI reports it in one line (program.ts).
 */
export async function serveCommand(opts: { config: string }): Promise<void> {
  const gateway = await startGateway({ configFile: opts.config });
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
