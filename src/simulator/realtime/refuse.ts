import { type IncomingMessage, type OutgoingHttpHeaders, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { AzureError } from "../azure-errors.js";
import { azureHeaders, JSON_CONTENT_TYPE } from "../azure-headers.js";

/** Header lines (`name: value`, no line ends) for an answer written on a raw socket. */
export function headerLines(headers: OutgoingHttpHeaders): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${item}`);
  }
  return lines;
}

/**
 * Refuses an upgrade with a plain HTTP answer: the status, Azure's headers and its JSON error body,
 * then closes the socket. An upgrade has no `ServerResponse`, so the answer is written on the raw
 * socket, as ws itself does when it aborts a handshake. Clients see an `unexpected-response`.
 */
export function refuseUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  error: AzureError,
  deployment: string | undefined,
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(error.body);
  const headers: OutgoingHttpHeaders = {
    ...azureHeaders(req, deployment),
    ...error.headers,
    "content-type": JSON_CONTENT_TYPE,
    "content-length": Buffer.byteLength(body),
    connection: "close",
  };
  const head = `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Unknown"}\r\n`;
  const lines = headerLines(headers).map((line) => `${line}\r\n`);
  socket.end(`${head}${lines.join("")}\r\n${body}`, () => socket.destroy());
}
