/**
 * Ownership enforced: every object a request names must be its caller's. Another tenant's object
 * and an object the gateway never saw answer the same 404, so a caller learns nothing of who owns
 * what; a tenant that opts in (`externalObjects: allow`) may name objects the gateway never saw,
 * and the call is audited as unenforced. Pure: the records are read from the store beforehand
 * (own-objects/hook.ts), one round trip for all of them.
 */
import { GatewayHttpError } from "../../errors.js";
import type { ObjectRef, ObjectUse } from "./references.js";
import { type ObjectOwner, type ObjectRecord, owns } from "./store.js";

/** Reads one object's record (from records fetched for the request), undefined when unknown. */
export type ObjectLookup = (id: string) => ObjectRecord | undefined;

/** The lookup over `records`, the store's answer for `ids` (in the same order). */
export function lookupIn(
  ids: readonly string[],
  records: readonly (ObjectRecord | undefined)[],
): ObjectLookup {
  const byId = new Map<string, ObjectRecord>();
  records.forEach((r, i) => {
    if (r !== undefined) byId.set(ids[i]!, r);
  });
  return (id) => byId.get(id);
}

/** The objects a request continues or uses, once ownership is checked. */
export interface ObjectResolution {
  use: ObjectUse;
  owner: ObjectOwner;
  /** Records of the caller's objects the request names (their facts join the request's). */
  known: ObjectRecord[];
  /** Objects the gateway never saw, named by a tenant that allows them: not enforced. */
  external: ObjectRef[];
}

/** The 404 for an object the caller may not use, worded alike whoever owns it. */
export function objectNotFound(ref: ObjectRef): GatewayHttpError {
  return new GatewayHttpError(
    "NotFound",
    `no ${ref.kind} \`${ref.id.slice(0, 96)}\` is known to the gateway for this caller`,
    { param: ref.where === "path" ? "path" : ref.where },
  );
}

/** Checks every object `use` names; throws the 404 of the first the caller may not use. */
export function resolveObjects(
  use: ObjectUse,
  owner: ObjectOwner,
  lookup: ObjectLookup,
  externalAllowed: boolean,
): ObjectResolution {
  if (use.untracked !== undefined) {
    throw new GatewayHttpError(
      "NotFound",
      `${use.untracked} are not served through the gateway: it cannot yet keep one tenant from another's`,
      { param: "path" },
    );
  }
  const resolution: ObjectResolution = { use, owner, known: [], external: [] };
  for (const ref of use.refs) {
    const record = lookup(ref.id);
    if (record !== undefined) {
      if (!owns(owner, record)) throw objectNotFound(ref);
      if (!resolution.known.includes(record)) resolution.known.push(record);
    } else if (externalAllowed) {
      resolution.external.push(ref);
    } else {
      throw objectNotFound(ref);
    }
  }
  return resolution;
}

/** Kinds whose records carry earlier turns of a conversation (continuations). */
export const CONVERSATION_KINDS: ReadonlySet<string> = new Set([
  "response",
  "conversation",
  "thread",
  "item",
]);

/**
 * The resolution when the store holding owners cannot be read (docs/operations.md "When the store
 * is down"): a continuation is judged as if its context carried an image (kept as unenforced, like
 * an external object); any other object, whose owner cannot be checked, is refused 503.
 */
export function resolveUnreadable(
  use: ObjectUse,
  owner: ObjectOwner,
  cause: unknown,
): ObjectResolution {
  const resolution: ObjectResolution = { use, owner, known: [], external: [] };
  for (const ref of use.refs) {
    if (!CONVERSATION_KINDS.has(ref.kind)) {
      throw new GatewayHttpError(
        "ServiceUnavailable",
        `the owner of ${ref.kind} \`${ref.id.slice(0, 96)}\` cannot be read: the gateway's shared store is unavailable; retry shortly`,
        {
          param: ref.where === "path" ? "path" : ref.where,
          headers: { "retry-after": "1" },
          cause,
        },
      );
    }
    resolution.external.push(ref);
  }
  return resolution;
}
