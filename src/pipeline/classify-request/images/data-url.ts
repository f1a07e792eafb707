/**
 * `data:` URLs (RFC 2397, and the WHATWG Fetch "data: URL processor"), parsed without copying or
 * scanning the payload: only the header before the first comma is read.
 */

/** A header longer than this is not a data URL a client library would produce. */
const MAX_HEADER = 512;

export interface DataUrl {
  /** Lower-cased media type without parameters; `text/plain` when omitted (RFC 2397 section 2). */
  mediaType: string;
  base64: boolean;
  /** Index in the URL string where the payload starts. */
  payloadStart: number;
}

export function isDataUrl(url: string): boolean {
  return url.length >= 5 && url.slice(0, 5).toLowerCase() === "data:";
}

/**
 * RFC 2397's header, strictly: `data:[type/subtype][;attribute=value]*[;base64],` with HTTP tokens
 * (RFC 9110) and no white space. Client libraries write exactly this.
 */
const TOKEN = "[!#$%&'*+.^_`|~0-9a-z-]+";
const STRICT_HEADER = new RegExp(
  `^data:(?:${TOKEN}/${TOKEN})?(?:;${TOKEN}=(?:${TOKEN}|"[^"\\\\,]*"))*(?:;base64)?,`,
  "i",
);

/**
 * Whether a string the API gives no meaning to (a text part's `text` included) is a data URL, by
 * RFC 2397's strict syntax. A text that merely starts with "Data:" ("Data: 15/03/2024, Kraków" is
 * a date line in Polish, Portuguese or Italian) is text: the model reads it as text, and so does
 * the classifier. A strict data URL there stays file data, refused when it cannot be read.
 */
export function isStrictDataUrl(head: string): boolean {
  return isDataUrl(head) && STRICT_HEADER.test(head.slice(0, MAX_HEADER + 1));
}

/** The header of a data URL, or a reason it is not one. */
export function parseDataUrl(url: string): DataUrl | { invalid: string } {
  const comma = url.slice(0, MAX_HEADER).indexOf(",");
  if (!isDataUrl(url) || comma < 0) return { invalid: "malformed data url" };
  const params = url.slice(5, comma).split(";");
  const mediaType = (params[0] ?? "").trim().toLowerCase() || "text/plain";
  const base64 = params.length > 1 && params[params.length - 1]!.trim().toLowerCase() === "base64";
  return { mediaType, base64, payloadStart: comma + 1 };
}
