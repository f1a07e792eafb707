/**
 * The floor: a bare reverse proxy written for the benchmark, node:http in front of an undici Pool.
 * It buffers the request body, swaps the credentials, forwards, and pipes the answer back chunk by
 * chunk. No tenant, no classification, no policy, no audit: what any Node proxy has to spend, so
 * the gateway's numbers read as a ratio to it. Reports `{ port }` over IPC once it listens.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Pool } from "undici";
import { attachFloorRelay } from "./realtime-peers.js";

const origin = process.env.BENCH_UPSTREAM_URL;
if (origin === undefined) throw new Error("BENCH_UPSTREAM_URL is not set");
const apiKey = process.env.BENCH_UPSTREAM_KEY ?? "";

const pool = new Pool(origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

/** Request headers never forwarded: hop-by-hop (RFC 9110 section 7.6.1), recomputed, credentials. */
const DROP_REQUEST = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "api-key",
  "authorization",
]);
const DROP_RESPONSE = new Set(["connection", "keep-alive", "transfer-encoding"]);

function forward(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const headers: Record<string, string> = { "api-key": apiKey };
  for (const name in req.headers) {
    const value = req.headers[name];
    if (typeof value === "string" && !DROP_REQUEST.has(name)) headers[name] = value;
  }
  if (body.length > 0) headers["content-length"] = String(body.length);
  pool.stream(
    {
      method: (req.method ?? "GET") as "GET",
      path: req.url ?? "/",
      headers,
      body: body.length > 0 ? body : null,
    },
    ({ statusCode, headers: upstream }) => {
      const out: Record<string, string | string[]> = {};
      for (const name in upstream) {
        const value = upstream[name];
        if (value !== undefined && !DROP_RESPONSE.has(name)) out[name] = value;
      }
      res.writeHead(statusCode, out);
      return res;
    },
    (err) => {
      if (err === null) return;
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end('{"error":{"code":"UpstreamUnavailable","message":"upstream failed"}}');
      } else res.destroy(err);
    },
  );
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  req.on("end", () => {
    forward(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
});
attachFloorRelay(server, origin, apiKey);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  process.send?.({ port: address.port });
});
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
});
