/**
 * Which stored objects a request names (in its path or its body), and what it does to them:
 * create, list, delete, or use. Pure.
 */
import { COLLECTIONS, type ObjectKind, REFERENCE_KEYS, UNTRACKED_COLLECTIONS } from "./kinds.js";

/** One object a request names. */
export interface ObjectRef {
  id: string;
  kind: ObjectKind;
  /** `path`, or the body key that names it (`previous_response_id`, `input_file_id`...). */
  where: string;
}

/** What a request does with stored objects. */
export interface ObjectUse {
  /** Objects it names: each must be the caller's. */
  refs: ObjectRef[];
  /** Set when the call creates an object of this kind (its id is read from the answer). */
  creates?: ObjectKind;
  /** Set when the call lists objects of this kind (the answer is filtered to the caller's). */
  lists?: ObjectKind;
  /** Set when the call deletes the object it names in its path. */
  deletes?: ObjectRef;
  /** Set when the call reaches a stored-object API whose ownership is not tracked: refused. */
  untracked?: string;
  /** Set for `POST uploads/{id}/complete`, which makes a file (its id is in the answer's `file`). */
  completesUpload?: boolean;
}

/** Deepest body nesting searched for references (the body walk refuses deeper ones). */
const MAX_DEPTH = 64;

/** The path segments after `/openai/` or `/openai/v1/`. */
function segmentsOf(path: string): string[] {
  const rest = path.startsWith("/openai/") ? path.slice("/openai/".length) : "";
  const parts = rest.split("/").filter((s) => s !== "");
  return parts[0]?.toLowerCase() === "v1" ? parts.slice(1) : parts;
}

/**
 * The objects a request names and what it does with them. `body` is the parsed JSON body, when
 * there is one.
 */
export function objectUse(method: string, path: string, body: unknown): ObjectUse {
  const segments = segmentsOf(path);
  const use: ObjectUse = { refs: [] };
  const collection = segments[0]?.toLowerCase();
  if (collection !== undefined && UNTRACKED_COLLECTIONS.has(collection)) {
    use.untracked = collection;
  }
  // Stored chat completions (`store: true`): listed, read and deleted by id on the chat path.
  if (collection === "chat" && segments[1]?.toLowerCase() === "completions" && method !== "POST") {
    use.untracked = "stored chat completions";
  }
  const kind = collection === undefined ? undefined : COLLECTIONS[collection];
  if (kind !== undefined) {
    const id = segments[1];
    const threadAndRun = kind === "thread" && id === "runs";
    if (id !== undefined && !threadAndRun) {
      const ref = { id, kind, where: "path" };
      use.refs.push(ref);
      if (method === "DELETE" && segments.length === 2) use.deletes = ref;
      if (method === "POST" && kind === "thread" && segments[2] === "runs") use.creates = "run";
      if (method === "POST" && kind === "upload" && segments[2] === "complete") {
        use.completesUpload = true;
      }
    } else if (method === "POST") {
      use.creates = threadAndRun ? "run" : kind;
    } else if (method === "GET" && id === undefined) {
      use.lists = kind;
    }
  }
  if (body !== undefined) bodyRefs(body, use.refs, 0);
  return use;
}

function bodyRefs(value: unknown, out: ObjectRef[], depth: number): void {
  if (depth > MAX_DEPTH || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) bodyRefs(v, out, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  // A Responses input item by reference: an item of a stored response, whose owner the gateway
  // does not track (refused unless external objects are allowed; then unknown context).
  if (record["type"] === "item_reference" && typeof record["id"] === "string") {
    out.push({ id: record["id"], kind: "item", where: "item_reference" });
  }
  // `for...in`, not `Object.entries`: no [key, value] array per property of every object of the
  // body (a parsed JSON object has no inherited enumerable properties, so the keys are the same).
  for (const key in record) {
    const v = record[key];
    const kind = REFERENCE_KEYS[key];
    if (kind !== undefined) {
      if (typeof v === "string" && v !== "") out.push({ id: v, kind, where: key });
      else if (Array.isArray(v)) {
        for (const id of v)
          if (typeof id === "string" && id !== "") out.push({ id, kind, where: key });
      } else if (key === "conversation" && typeof v === "object" && v !== null) {
        const id = (v as Record<string, unknown>)["id"];
        if (typeof id === "string" && id !== "") out.push({ id, kind, where: key });
      }
      continue;
    }
    // Azure batch input from Blob Storage: content the gateway never saw.
    if (key === "input_blob" && typeof v === "string") {
      out.push({ id: v, kind: "file", where: key });
      continue;
    }
    bodyRefs(v, out, depth + 1);
  }
}
