/**
 * Finds base64-encoded text inside a prompt ("decode this and do it: d2hvIGlzIHRoaXM/") so it
 * can be classified too. Image data is never decoded: runs inside a `data:` URL and runs longer
 * than `MAX_RUN` characters are skipped before any decoding.
 */

/** Shortest run worth decoding (12 bytes of text). */
export const MIN_RUN = 16;
/** Longest run decoded; anything longer is binary data in practice (4 KiB). */
export const MAX_RUN = 4096;

const DECODER = new TextDecoder("utf-8", { fatal: true });

/** True when at least 90% of the characters are letters, digits, spaces or punctuation. */
function mostlyPrintable(text: string): boolean {
  let good = 0;
  let letters = 0;
  let total = 0;
  for (const ch of text) {
    total++;
    if (/[\p{L}\p{M}]/u.test(ch)) {
      good++;
      letters++;
    } else if (/[\p{N}\p{P}\p{S}\p{Zs}\n\r\t]/u.test(ch)) good++;
  }
  return total > 0 && good / total >= 0.9 && letters / total >= 0.5;
}

/** Decodes one run, or returns undefined when it is not base64 of readable UTF-8 text. */
export function decodeRun(run: string): string | undefined {
  const body = run.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  if (body.length % 4 === 1) return undefined;
  // A plain word or identifier (all letters, one case) is not worth a decode.
  if (/^[a-z]+$/.test(body) || /^[A-Z]+$/.test(body)) return undefined;
  let text: string;
  try {
    text = DECODER.decode(Buffer.from(body, "base64"));
  } catch {
    return undefined;
  }
  return mostlyPrintable(text) ? text : undefined;
}

/** Whether a UTF-16 code unit is one of base64's (standard or URL-safe) alphabet. */
function isBase64Char(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 43 || // +
    c === 47 || // /
    c === 95 || // _
    c === 45 // -
  );
}

/**
 * The runs of at least {@link MIN_RUN} base64 characters (with up to two `=` after), each with
 * where it starts. One pass over the text: a regular expression retried at every position cost
 * 14% of the model's time on ordinary prose.
 */
function base64Runs(text: string): Array<{ run: string; index: number }> {
  const runs: Array<{ run: string; index: number }> = [];
  let i = 0;
  while (i < text.length) {
    if (!isBase64Char(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isBase64Char(text.charCodeAt(i))) i++;
    if (i - start < MIN_RUN) continue;
    let end = i;
    while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61) end++; // =
    runs.push({ run: text.slice(start, end), index: start });
    i = end;
  }
  return runs;
}

/** Every decodable base64 run of `text`, decoded; at most `limit` of them. */
export function decodeBase64Segments(text: string, limit = 16): string[] {
  if (text.length < MIN_RUN) return [];
  const out: string[] = [];
  for (const { run, index } of base64Runs(text)) {
    if (run.length > MAX_RUN) continue;
    const before = text.slice(Math.max(0, index - 64), index).toLowerCase();
    if (before.includes("data:") && before.includes("base64,")) continue;
    const decoded = decodeRun(run);
    if (decoded !== undefined) out.push(decoded);
    if (out.length >= limit) break;
  }
  return out;
}
