/**
 * Errors Node's HTTP parser raises before any route runs (a malformed request line or header,
 * headers over `maxHeaderSize`, Node's request and headers timeouts): which coded error answers
 * each, and what of the request can be trusted for the audit. Pure: no sockets.
 */
import { GatewayHttpError } from "../errors.js";

/**
 * The coded error answering a Node `clientError`, or undefined when there is no one left to
 * answer (the client reset the connection).
 */
export function clientErrorAnswer(code: string | undefined): GatewayHttpError | undefined {
  switch (code) {
    case "ECONNRESET":
      return undefined;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new GatewayHttpError(
        "RequestTimeout",
        "the request did not arrive in time (Node's headers or request timeout)",
      );
    case "HPE_HEADER_OVERFLOW":
      return new GatewayHttpError(
        "HeadersTooLarge",
        "the request headers exceed the gateway's limit (Node's maxHeaderSize)",
      );
    default:
      return new GatewayHttpError(
        "InvalidRequest",
        "malformed HTTP request: the request line or a header could not be parsed",
      );
  }
}

const REQUEST_LINE = /^([A-Z]{1,20}) ([\x21-\x7e]{1,8192}) HTTP\/1\.[01]$/;

/**
 * The method and target of the request line at the start of `rawPacket` (Node's `err.rawPacket`),
 * when it is a well-formed one; else undefined. Only the first line is read: headers may hold
 * keys, and the audit never records them.
 */
export function requestLineOf(rawPacket: unknown): { method: string; url: string } | undefined {
  if (!Buffer.isBuffer(rawPacket)) return undefined;
  const head = rawPacket.subarray(0, 8300).toString("latin1");
  const end = head.indexOf("\r\n");
  const match = REQUEST_LINE.exec(end < 0 ? head : head.slice(0, end));
  if (match === null) return undefined;
  return { method: match[1]!, url: match[2]! };
}
