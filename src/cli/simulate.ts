/** `policy-gateway simulate`: the built-in Azure OpenAI simulator as a standalone server. */
import { startSimulator } from "../simulator/index.js";

/** Starts the simulator and keeps it running until SIGINT/SIGTERM. */
export async function simulateCommand(opts: {
  port: string;
  host: string;
  apiKey?: string;
  faults: boolean;
}): Promise<void> {
  const sim = await startSimulator({
    host: opts.host,
    port: Number(opts.port),
    faults: opts.faults,
    ...(opts.apiKey === undefined ? {} : { apiKey: opts.apiKey }),
  });
  process.stdout.write(
    `Azure OpenAI simulator listening on ${sim.url}${opts.faults ? " (fault injection on)" : ""}\n`,
  );
  const stop = () => {
    sim.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
