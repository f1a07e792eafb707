/**
 * List answers filtered to the caller's objects: `GET /openai/files` (and batches, assistants,
 * vector stores) lists everything in the shared Azure resource, so the gateway keeps only the
 * items whose ids it recorded for the caller, and fixes `first_id`/`last_id`. Pure but for the
 * store it reads.
 */
import { type ObjectOwner, type ObjectStore, owns } from "./store.js";

/** The list with only `owner`'s items; a body that is not a list comes back as an empty list. */
export function filterList(
  body: Buffer,
  owner: ObjectOwner,
  store: ObjectStore,
  now: number,
): Buffer {
  let list: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
    list = parsed as Record<string, unknown>;
  } catch {
    // Never pass an unread list through: it could name other tenants' objects.
    return Buffer.from(JSON.stringify({ object: "list", data: [], has_more: false }));
  }
  const data = Array.isArray(list["data"]) ? (list["data"] as unknown[]) : [];
  const kept = data.filter((item) => {
    const id =
      typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
    if (typeof id !== "string") return false;
    const record = store.get(id, now);
    return record !== undefined && owns(owner, record);
  });
  const out: Record<string, unknown> = { ...list, data: kept };
  if ("first_id" in list) out["first_id"] = (kept[0] as { id?: string } | undefined)?.id ?? null;
  if ("last_id" in list) out["last_id"] = (kept.at(-1) as { id?: string } | undefined)?.id ?? null;
  return Buffer.from(JSON.stringify(out));
}
