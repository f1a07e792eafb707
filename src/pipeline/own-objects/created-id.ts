/**
 * The id of the object a create call made, read from the first bytes of Azure's answer: the
 * top-level `"id"` of a JSON object, or of the `response` in the first event of a Responses stream
 * (`response.created`). Also the file ids a batch answer names (`output_file_id`,
 * `error_file_id`), which become its owner's. Pure; reads at most `HEAD_BYTES`.
 */

/** How much of an answer is kept to find the id. */
export const HEAD_BYTES = 16 * 1024;

/** The created object's id, or undefined when the head holds none. */
export function createdId(head: Buffer): string | undefined {
  const text = head.toString("utf8");
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  if (text[start] === "{") return topLevelId(text, start);
  // An event stream: the first `data:` line is `response.created` (or a thread/run event).
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    try {
      const event = JSON.parse(line.slice(5)) as Record<string, unknown>;
      const inner = event["response"];
      const id =
        typeof inner === "object" && inner !== null
          ? (inner as Record<string, unknown>)["id"]
          : event["id"];
      return typeof id === "string" ? id : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The string value of key `id` directly in the object opening at `open`, found by a scan that
 * tracks nesting and strings, so an `id` of a nested item is never taken for the object's.
 */
function topLevelId(text: string, open: number): string | undefined {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      if (depth === 1 && text.slice(i + 1, end) === "id") {
        const m = /^\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text.slice(end + 1, end + 300));
        if (m !== null) return m[1];
      }
      i = end + 1;
      continue;
    }
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return undefined;
    }
    i++;
  }
  return undefined;
}

function stringEnd(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/**
 * The output and error file ids of a batch answer: top-level fields of the batch object only, so a
 * caller cannot claim a file by writing `output_file_id` into the batch's metadata. An answer
 * larger than the head (not valid JSON) names none.
 */
export function namedFileIds(head: Buffer): string[] {
  let batch: Record<string, unknown>;
  try {
    batch = JSON.parse(head.toString("utf8")) as Record<string, unknown>;
  } catch {
    return [];
  }
  if (batch["object"] !== "batch") return [];
  const out: string[] = [];
  for (const key of ["output_file_id", "error_file_id"]) {
    const id = batch[key];
    if (typeof id === "string" && id !== "") out.push(id);
  }
  return out;
}
