import { resolveOptions } from "./options.js";
import { listenSimulator } from "./server.js";
import type {
  RecordedRealtimeSession,
  RecordedRequest,
  RunningSimulator,
  SimulatorOptions,
} from "./types.js";

/** The public types, declared in types.ts so internal modules need not import this entry point. */
export type {
  RealtimeClosedBy,
  RecordedRealtimeEvent,
  RecordedRealtimeSession,
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
  const { server, url, port, log, realtime } = await listenSimulator(resolveOptions(options));
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    requests: (): RecordedRequest[] => log.list(),
    clearRequests: (): void => log.clear(),
    realtimeSessions: (): RecordedRealtimeSession[] => realtime.log.list(),
    clearRealtime: (): void => realtime.log.clear(),
    close: (): Promise<void> => {
      closing ??= (async () => {
        // Upgraded sockets are no longer the server's: close their sessions first (1001).
        await realtime.close();
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // In-flight streams and idle keep-alive sockets would hold close() open; they see an abort.
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
