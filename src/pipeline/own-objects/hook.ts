/**
 * The stored-objects step of the classify-and-decide stage, and its follow-up after forwarding
 * (docs/api.md, "Stored objects"): before the decision, every object the request names is checked
 * for ownership (404 otherwise) and what it continues joins the facts; after Azure answered 2xx,
 * the object a call created is recorded with its owner and facts, a deleted one forgotten.
 */
import type { FastifyRequest } from "fastify";
import type { RequestContext } from "../context.js";
import type { StageDeps } from "../data-plane.js";
import { uploadedJsonLines } from "../read-body/inspect.js";
import type { RequestBody } from "../read-body/request-body.js";
import { mergeStoredFacts, storedFactsOf } from "./context-facts.js";
import { createdId, namedFileIds } from "./created-id.js";
import { type ObjectKind, RETENTION_MS } from "./kinds.js";
import { lookupIn, resolveObjects, resolveUnreadable } from "./ownership.js";
import { objectUse } from "./references.js";
import type { ObjectOwner, ObjectRecord, StoredFacts } from "./store.js";

/** Who owns what the request creates: the tenant, and the customer it acts for when it names one. */
export function ownerOf(ctx: RequestContext): ObjectOwner {
  const owner: ObjectOwner = { tenantId: ctx.tenant!.id };
  const by = ctx.acting?.customerBy;
  if ((by === "key" || by === "declared") && ctx.agency !== undefined) {
    owner.customerId = ctx.agency.id;
  }
  return owner;
}

/**
 * Checks ownership of the objects `request` names (throws the 404) and keeps them on `ctx`. The
 * records are read from the shared store in one call: synchronous on the memory store, a promise
 * on Redis; when the store cannot answer, `resolveUnreadable` decides (stricter, never open).
 */
export function checkObjects(
  deps: StageDeps,
  ctx: RequestContext,
  request: FastifyRequest,
  body: RequestBody,
): void | Promise<void> {
  const path = ctx.whatIf ? ctx.path.slice("/_gateway/evaluate".length) : ctx.path;
  // An uploaded batch or fine-tuning file names objects too: each of its lines is a request.
  const named =
    body.kind === "json"
      ? body.parsed
      : body.kind === "multipart"
        ? uploadedJsonLines(body.parts)
        : undefined;
  const use = objectUse(request.method, path, named);
  if (
    use.refs.length === 0 &&
    use.creates === undefined &&
    use.lists === undefined &&
    use.untracked === undefined
  ) {
    return;
  }
  const owner = ownerOf(ctx);
  const allowed = ctx.tenant!.externalObjectsAllowed;
  const ids = [...new Set(use.refs.map((r) => r.id))];
  const resolve = (records: readonly (ObjectRecord | undefined)[]) => {
    ctx.objects = resolveObjects(use, owner, lookupIn(ids, records), allowed);
  };
  const unreadable = (err: unknown) => {
    deps.metrics.storeErrors.inc({ op: "objects" });
    ctx.objects = resolveUnreadable(use, owner, err);
  };
  if (use.untracked !== undefined || ids.length === 0) return resolve([]);
  let records: ReturnType<StageDeps["store"]["getObjects"]>;
  try {
    records = deps.store.getObjects(ids, Date.now());
  } catch (err) {
    return unreadable(err);
  }
  if (records instanceof Promise) return records.then(resolve, unreadable);
  resolve(records);
}

/**
 * Records what a forwarded call created, or forgets what it deleted, once Azure answered 2xx.
 * Resolves once the store has them (the forward stage waits for it before ending the answer, so
 * a client's next call, on any replica, finds its object).
 */
export function recordObjects(
  deps: StageDeps,
  ctx: RequestContext,
  head: Buffer | undefined,
): void | Promise<void> {
  const objects = ctx.objects;
  const status = ctx.proxy?.upstreamStatus;
  if (objects === undefined || ctx.facts === undefined || status === undefined) return;
  if (status < 200 || status >= 300) return;
  const { use, owner } = objects;
  const now = Date.now();
  const writes: Promise<void>[] = [];
  const wrote = (w: void | Promise<void>) => {
    if (w instanceof Promise) writes.push(w);
  };
  const settled = () =>
    writes.length === 0 ? undefined : Promise.all(writes).then(() => undefined);
  if (use.deletes !== undefined) {
    wrote(deps.store.deleteObject(use.deletes.id));
    return settled();
  }
  let facts = storedFactsOf(ctx.facts);
  // A message or run adds to its thread, a response to its conversation: their records carry
  // the conversation so far.
  for (const parent of objects.known) {
    const grows =
      (parent.kind === "thread" &&
        use.refs.some((r) => r.where === "path" && r.id === parent.id)) ||
      (parent.kind === "conversation" && use.refs.some((r) => r.where === "conversation"));
    if (!grows) continue;
    facts = mergeStoredFacts(parent.facts, facts);
    wrote(deps.store.putObject({ ...parent, facts }));
  }
  if (head === undefined) return settled();
  const put = (id: string, kind: ObjectKind, f: StoredFacts, ifAbsent = false) => {
    const record: ObjectRecord = {
      id,
      kind,
      owner,
      facts: f,
      createdAt: now,
      expiresAt: now + RETENTION_MS[kind],
    };
    wrote(deps.store.putObject(record, ifAbsent));
  };
  if (use.creates !== undefined) {
    const id = createdId(head);
    if (id !== undefined) put(id, use.creates, facts);
    // Create-thread-and-run answers a run whose top-level `thread_id` is its new thread.
    const threadId = use.creates === "run" ? topLevelString(head, "thread_id") : undefined;
    if (threadId !== undefined) put(threadId, "thread", facts, true);
  }
  // Completing an upload makes a file: the answer's `file.id` is the upload owner's.
  if (use.completesUpload === true) {
    const fileId = nestedFileId(head);
    if (fileId !== undefined) put(fileId, "file", facts);
  }
  // A batch's output and error files are its owner's, with the batch's facts: read from the
  // top level of the batch object only (never from its caller-written metadata).
  if (use.creates === "batch" || use.refs.some((r) => r.kind === "batch")) {
    for (const fileId of namedFileIds(head)) put(fileId, "file", facts, true);
  }
  return settled();
}

/** A top-level string field of a complete JSON answer, or undefined. */
function topLevelString(head: Buffer, key: string): string | undefined {
  try {
    const value = (JSON.parse(head.toString("utf8")) as Record<string, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The `file.id` of a completed upload's answer. */
function nestedFileId(head: Buffer): string | undefined {
  try {
    const file = (JSON.parse(head.toString("utf8")) as Record<string, unknown>)["file"];
    const id =
      typeof file === "object" && file !== null ? (file as { id?: unknown }).id : undefined;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
