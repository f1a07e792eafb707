/**
 * One decision as the dashboard shows it, cut from an audit record: who, what, the decision and
 * why, the facts' labels and the evidence rule ids. Only fields named here are copied, so nothing
 * the audit record may grow later (and never prompt text or image data, which it has none of)
 * reaches the dashboard by accident.
 */

/** A policy that decided, with the reason its `@reason` annotation gives. */
export interface EntryPolicy {
  id: string;
  reason: string | null;
}

/** A decision in the index. */
export interface DecisionEntry {
  decisionId: string;
  /** Request time, ISO 8601, and the same as epoch milliseconds (for ordering and windows). */
  time: string;
  at: number;
  tenant: string | null;
  /** The customer the call was made for (a vendor tenant's), when not the tenant itself. */
  customer: string | null;
  agencyType: string | null;
  jurisdiction: string | null;
  operation: string;
  deployment: string | null;
  decision: string;
  mode: string;
  status: number;
  policies: EntryPolicy[];
  policyRevision: string | null;
  /** Facts' labels: camera, capture, purposes, image count, recognition confidence. */
  facts: {
    images: number;
    camera: { source: string; mobility: string; environment: string } | null;
    capture: string | null;
    purposes: string[];
    recognitionConfidence: string | null;
    unseen: string[];
  };
  /** Evidence rule ids (`purpose:rule@where`), never the text they matched. */
  evidence: string[];
  /** The gateway's own error code, when it answered with one. */
  error: string | null;
  /** A what-if call of the data plane: listed, never counted as a denial. */
  whatIf: boolean;
  /**
   * Who asked, as the audit records it: the key's name or `app:<id>` (never the key), the end
   * user as `audit.endUser` keeps it (hashed by default), the client's address and user agent, and
   * Azure's own request id (`apim-request-id`) to find the call in Azure's logs.
   */
  who: {
    keyId: string | null;
    endUser: { id: string; from: string } | null;
    clientAddress: string | null;
    userAgent: string | null;
    apimRequestId: string | null;
  };
}

/**
 * Whole parts of an entry repeat: the facts of most calls are one of a few combinations, and so
 * are the policies that decided. Each distinct part is kept once, frozen, and shared by the
 * entries that have it, so the index (rows.ts) holds a part as a number, never an object per
 * decision: it holds up to `maxRecords` decisions, and every object it held was one the garbage
 * collector copied when promoted and traced at every major collection.
 */
const parts = new Map<string, unknown>();
const MAX_PARTS = 10_000;
function sharedPart<T>(key: string, make: () => T): T {
  const known = parts.get(key);
  if (known !== undefined) return known as T;
  if (parts.size >= MAX_PARTS) parts.clear();
  const made = deepFreeze(make());
  parts.set(key, made);
  return made;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const NONE: readonly string[] = Object.freeze([]);

// Labels are not interned here: the index keeps them as numbers (rows.ts), and the lists below
// are kept once per content as shared parts.
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
/** The strings of a list; the shared empty list when there are none. */
function strs(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) return NONE as string[];
  const out: string[] = [];
  for (const x of v) if (typeof x === "string") out.push(x);
  return out.length === 0 ? (NONE as string[]) : out;
}

/** A list of strings, shared per content (the evidence rule ids of an entry). */
const sharedList = (v: string[]): string[] =>
  v.length === 0 ? v : sharedPart(`l\u0002${listKey(v)}`, () => v);

/** A key for a list of strings (joined with a separator no label contains). */
const listKey = (v: readonly string[]) => v.join("\u0001");

/** The deciding policies with their reasons, shared per combination. */
function policiesOf(v: unknown, reasonOf: (policyId: string) => string | null): EntryPolicy[] {
  const ids = strs(v);
  if (ids.length === 0) return NONE as unknown as EntryPolicy[];
  const reasons = ids.map((id) => reasonOf(id));
  // The reason is part of the key: a reload may change a policy's reason.
  const key = `${listKey(ids)}\u0002${listKey(reasons.map((r) => r ?? "\u0003"))}`;
  return sharedPart(`p\u0002${key}`, () => ids.map((id, i) => ({ id, reason: reasons[i]! })));
}

/** The facts' labels, shared per combination. */
function factsOf(r: Record<string, unknown>): DecisionEntry["facts"] {
  const camera = r.camera as Record<string, unknown> | undefined;
  const capture = r.capture as Record<string, unknown> | undefined;
  const images = r.images as Record<string, unknown> | undefined;
  const count = typeof images?.count === "number" ? images.count : 0;
  const cam =
    camera === undefined
      ? null
      : {
          source: str(camera.source) ?? "unknown",
          mobility: str(camera.mobility) ?? "unknown",
          environment: str(camera.environment) ?? "unknown",
        };
  const captureValue = str(capture?.value);
  const purposes = strs(r.purposes);
  const confidence = str(r.recognitionConfidence);
  const unseen = strs(r.unseen);
  const key = [
    "f",
    count,
    cam === null ? "\u0003" : `${cam.source}\u0001${cam.mobility}\u0001${cam.environment}`,
    captureValue ?? "\u0003",
    listKey(purposes),
    confidence ?? "\u0003",
    listKey(unseen),
  ].join("\u0002");
  return sharedPart(key, () => ({
    images: count,
    camera: cam,
    capture: captureValue,
    purposes,
    recognitionConfidence: confidence,
    unseen,
  }));
}

/**
 * The entry of one parsed audit line (live or read back from a file), or null when it is not a
 * decision record. `reasonOf` gives a policy's reason from the running policy set.
 */
export function entryOf(
  value: unknown,
  reasonOf: (policyId: string) => string | null,
): DecisionEntry | null {
  if (typeof value !== "object" || value === null) return null;
  const r = value as Record<string, unknown>;
  const decisionId = typeof r.decisionId === "string" ? r.decisionId : null;
  const time = typeof r.requestTime === "string" ? r.requestTime : null;
  const at = time === null ? Number.NaN : Date.parse(time);
  if (decisionId === null || time === null || Number.isNaN(at)) return null;
  if (typeof r.decision !== "string" || typeof r.status !== "number") return null;
  const tenant = str(r.tenant);
  const agency = str(r.agency);
  const endUser = r.endUser as Record<string, unknown> | undefined;
  const client = r.client as Record<string, unknown> | undefined;
  return {
    decisionId,
    time,
    at,
    tenant,
    customer: agency !== null && agency !== tenant ? agency : null,
    agencyType: str(r.agencyType),
    jurisdiction: str(r.jurisdiction),
    operation: str(r.operation) ?? "unknown",
    deployment: str(r.deployment),
    decision: r.decision,
    mode: str(r.mode) ?? "enforce",
    status: r.status,
    policies: policiesOf(r.policies, reasonOf),
    policyRevision: str(r.policyRevision),
    facts: factsOf(r),
    evidence: sharedList(strs(r.evidence)),
    error: str(r.error),
    whatIf: r.whatIf === true,
    who: {
      keyId: str(r.keyId),
      endUser:
        typeof endUser?.id === "string" && typeof endUser.from === "string"
          ? { id: endUser.id, from: endUser.from }
          : null,
      clientAddress: typeof client?.address === "string" ? client.address : null,
      userAgent: str(client?.userAgent),
      apimRequestId: typeof r.apimRequestId === "string" ? r.apimRequestId : null,
    },
  };
}
