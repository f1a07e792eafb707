import type { IncomingMessage, ServerResponse } from "node:http";
import { JSON_CONTENT_TYPE } from "./azure-headers.js";
import { PLACEHOLDER_PNG, PLACEHOLDER_PNG_PATH } from "./images.js";
import type { RealtimeLog } from "./realtime/log.js";
import type { RequestLog } from "./request-log.js";

/** Path prefix of the simulator's own endpoints; never recorded, never behind the api-key. */
export const CONTROL_PREFIX = "/_simulator/";

function reply(
  res: ServerResponse,
  status: number,
  contentType: string,
  payload: Buffer | string,
): void {
  const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
  res.writeHead(status, { "content-type": contentType, "content-length": bytes.length });
  res.end(bytes);
}

/**
 * `GET /_simulator/requests` (the request log, newest last), `DELETE /_simulator/requests`
 * (clears it), the same pair for realtime sessions at `/_simulator/realtime`, and
 * `GET /_simulator/image.png` (the target of image URLs).
 */
export function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  log: RequestLog,
  realtime: RealtimeLog | undefined,
): void {
  req.resume();
  if (pathname === "/_simulator/requests" && req.method === "GET") {
    reply(res, 200, JSON_CONTENT_TYPE, JSON.stringify({ requests: log.list() }));
  } else if (pathname === "/_simulator/requests" && req.method === "DELETE") {
    log.clear();
    res.writeHead(204).end();
  } else if (pathname === "/_simulator/realtime" && req.method === "GET" && realtime) {
    reply(res, 200, JSON_CONTENT_TYPE, JSON.stringify({ sessions: realtime.list() }));
  } else if (pathname === "/_simulator/realtime" && req.method === "DELETE" && realtime) {
    realtime.clear();
    res.writeHead(204).end();
  } else if (pathname === PLACEHOLDER_PNG_PATH && req.method === "GET") {
    reply(res, 200, "image/png", PLACEHOLDER_PNG);
  } else {
    reply(
      res,
      404,
      JSON_CONTENT_TYPE,
      JSON.stringify({ error: { code: "404", message: "Resource not found" } }),
    );
  }
}
