/**
 * The realtime peers of `npm run bench` that run in the child processes: a canned realtime
 * WebSocket on the benchmark's upstream, and a bare `ws` relay in the floor proxy (what any Node
 * WebSocket proxy has to spend). The client side is bench/realtime.ts.
 */
import type { Server } from "node:http";
import WebSocket, { WebSocketServer } from "ws";

/** Server events the canned upstream streams for each `response.create`. */
export const REALTIME_EVENTS = 200;

/** Milliseconds since the epoch, with sub-millisecond precision: the stamp both processes read. */
export const now = () => performance.timeOrigin + performance.now();

/**
 * The canned upstream's realtime WebSocket: `session.created` on connect; for each
 * `response.create`, `REALTIME_EVENTS` text deltas (one per event-loop turn, each stamped with its
 * send time) then `response.done` with usage. Other events are taken in silence.
 */
export function attachRealtimeUpstream(server: Server, apiKey: string): void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on("upgrade", (req, socket, head) => {
    if (req.headers["api-key"] !== apiKey) {
      socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(
        JSON.stringify({
          type: "session.created",
          event_id: "evt_0",
          session: { id: "sess_bench" },
        }),
      );
      ws.on("message", (data) => {
        if (!data.toString().includes('"response.create"')) return;
        let i = 0;
        const next = () => {
          if (ws.readyState !== ws.OPEN) return;
          if (i === REALTIME_EVENTS) {
            ws.send(
              JSON.stringify({
                type: "response.done",
                event_id: `evt_done_${i}`,
                response: { usage: { total_tokens: 230, input_tokens: 30, output_tokens: 200 } },
              }),
            );
            return;
          }
          i++;
          ws.send(
            `{"type":"response.output_text.delta","event_id":"evt_${i}","response_id":"resp_bench","item_id":"item_bench","output_index":0,"content_index":0,"delta":"word ","t":${now()}}`,
          );
          setImmediate(next);
        };
        next();
      });
    });
  });
}

/** The floor's bare relay: client and upstream sockets piped both ways, credentials swapped. */
export function attachFloorRelay(server: Server, upstreamOrigin: string, apiKey: string): void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const target = upstreamOrigin.replace(/^http/, "ws");
  server.on("upgrade", (req, socket, head) => {
    const upstream = new WebSocket(`${target}${req.url ?? "/"}`, {
      headers: { "api-key": apiKey },
      perMessageDeflate: false,
    });
    upstream.once("open", () => {
      wss.handleUpgrade(req, socket, head, (client) => {
        client.on("message", (d, binary) => upstream.send(d, { binary }));
        upstream.on("message", (d, binary) => client.send(d, { binary }));
        client.on("close", () => upstream.close());
        upstream.on("close", () => client.close());
      });
    });
    upstream.once("error", () => socket.destroy());
  });
}
