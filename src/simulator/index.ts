import { resolveOptions } from "./options.js";
import { listenSimulator } from "./server.js";
import type { RecordedRequest, RunningSimulator, SimulatorOptions } from "./types.js";

/** The public types, declared in types.ts so internal modules need not import this entry point. */
export type {
  RecordedRequest,
  RequestOutcome,
  RunningSimulator,
  SimulatorOptions,
} from "./types.js";

/**
 * Starts the built-in Azure OpenAI simulator: a stand-in faithful enough that the openai SDK
 * (`AzureOpenAI`, or `OpenAI` on `<url>/openai/v1`) cannot tell it from Azure. Used by the tests,
 * the benchmark and the gateway's embedded default upstream (`endpoint: simulator`). See
 * docs/simulator.md.
 */
export async function startSimulator(options?: SimulatorOptions): Promise<RunningSimulator> {
  const { server, url, port, log } = await listenSimulator(resolveOptions(options));
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    requests: (): RecordedRequest[] => log.list(),
    clearRequests: (): void => log.clear(),
    close: (): Promise<void> => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // In-flight streams and idle keep-alive sockets would hold close() open; they see an abort.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
