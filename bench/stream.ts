/**
 * Sequential streamed calls over one keep-alive connection per target: time to the first body
 * byte, total time, and the `data:` events received (parsed after the response ends, so parsing
 * never delays the timing).
 */
import { Agent, request } from "node:http";

export interface StreamTarget {
  name: string;
  origin: string;
  headers: Record<string, string>;
}

export interface StreamSample {
  status: number;
  ttfbMs: number;
  totalMs: number;
  events: number;
  body: Buffer;
}

/** Counts SSE `data:` fields (one per event in Azure's streams). */
export function countDataEvents(body: Buffer): number {
  let count = 0;
  const text = body.toString("utf8");
  for (const line of text.split("\n")) if (line.startsWith("data:")) count++;
  return count;
}

/** One client with its own keep-alive connection. */
export function streamClient(target: StreamTarget, path: string, body: Buffer) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(path, target.origin);
  const headers = {
    ...target.headers,
    "content-type": "application/json",
    "content-length": String(body.length),
    accept: "text/event-stream",
  };
  const once = () =>
    new Promise<StreamSample>((resolve, reject) => {
      const t0 = performance.now();
      let ttfb = -1;
      const chunks: Buffer[] = [];
      const req = request(url, { method: "POST", headers, agent }, (res) => {
        res.on("data", (chunk: Buffer) => {
          if (ttfb < 0) ttfb = performance.now() - t0;
          chunks.push(chunk);
        });
        res.on("end", () => {
          const totalMs = performance.now() - t0;
          const all = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            ttfbMs: ttfb < 0 ? totalMs : ttfb,
            totalMs,
            events: countDataEvents(all),
            body: all,
          });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  return { once, close: () => agent.destroy() };
}
