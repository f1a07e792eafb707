/**
 * List answers filtered to the caller's objects: `GET /openai/files` (and batches, assistants,
 * vector stores) lists everything in the shared Azure resource, so the gateway keeps only the
 * items whose ids it recorded for the caller, and fixes `first_id`/`last_id`. Pure: the records
 * are read beforehand (forward/hook.ts).
 */
import type { ObjectLookup } from "./ownership.js";
import { type ObjectOwner, owns } from "./store.js";

/** A list answer, parsed; undefined when the body is not a JSON object. */
export function parseList(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The string ids of a list's items (whose records the filter needs). */
export function listedIds(list: Record<string, unknown> | undefined): string[] {
  const data = list !== undefined && Array.isArray(list["data"]) ? (list["data"] as unknown[]) : [];
  const ids: string[] = [];
  for (const item of data) {
    const id =
      typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
    if (typeof id === "string") ids.push(id);
  }
  return ids;
}

/**
 * The list with only `owner`'s items; a body that is not a list (undefined) comes back as an
 * empty list, never passed through: it could name other tenants' objects.
 */
export function filterList(
  list: Record<string, unknown> | undefined,
  owner: ObjectOwner,
  lookup: ObjectLookup,
): Buffer {
  if (list === undefined) {
    return Buffer.from(JSON.stringify({ object: "list", data: [], has_more: false }));
  }
  const data = Array.isArray(list["data"]) ? (list["data"] as unknown[]) : [];
  const kept = data.filter((item) => {
    const id =
      typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
    if (typeof id !== "string") return false;
    const record = lookup(id);
    return record !== undefined && owns(owner, record);
  });
  const out: Record<string, unknown> = { ...list, data: kept };
  if ("first_id" in list) out["first_id"] = (kept[0] as { id?: string } | undefined)?.id ?? null;
  if ("last_id" in list) out["last_id"] = (kept.at(-1) as { id?: string } | undefined)?.id ?? null;
  return Buffer.from(JSON.stringify(out));
}
