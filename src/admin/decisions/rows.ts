/**
 * Where the decisions index keeps its entries: one row per decision in typed arrays (time, status,
 * the numbers of its labels and shared parts, its decision id and Azure's request id packed as
 * bytes), and a lookup by decision id over those bytes. The index holds up to `maxRecords`
 * decisions (100,000 by default) for as long as its window: kept as objects (and their id
 * strings in a Map), each one was copied when it was promoted and traced at every major
 * collection (docs/performance.md, "Issue 14, round two"). A row costs the collector nothing but
 * the strings of an unusual shape (an id that is not a UUID, an end user), and an entry object is
 * made only when the admin API reads one.
 */
import type { DecisionEntry, EntryPolicy } from "./entry.js";
import { isIsoOf, packUuid, unpackUuid } from "./packed.js";
import { ValueTable } from "./table.js";

/** Label columns of a row, by position. */
export const Label = {
  Tenant: 0,
  Customer: 1,
  AgencyType: 2,
  Jurisdiction: 3,
  Operation: 4,
  Deployment: 5,
  Decision: 6,
  Mode: 7,
  PolicyRevision: 8,
  Error: 9,
  KeyId: 10,
  EndUserFrom: 11,
  ClientAddress: 12,
  UserAgent: 13,
} as const;
/** One of `Label`'s positions. */
export type Label = (typeof Label)[keyof typeof Label];
const LABELS = 14;

/** Shared part columns of a row (entry.ts shares them per content, so by identity here). */
const Part = { Policies: 0, Facts: 1, Evidence: 2 } as const;
const PARTS = 3;

/** Table sizes past which values no row uses are dropped (and at least twice the last live). */
const COMPACT_AT = 4096;
const ID_PACKED = 1;
const APIM_PACKED = 2;
const LIVE = 4;

/** The rows, in slots reused as rows leave; ordering is the index's business. */
export class DecisionRows {
  #capacity = 0;
  #at = new Float64Array(0);
  #status = new Int32Array(0);
  #whatIf = new Uint8Array(0);
  #labels = new Int32Array(0);
  #parts = new Int32Array(0);
  /** Decision ids and Azure request ids, 16 bytes each, where `#packed` says they are. */
  #idBytes = new Uint8Array(0);
  #apimBytes = new Uint8Array(0);
  /** Per slot: ID_PACKED, APIM_PACKED, LIVE bits. */
  #flags = new Uint8Array(0);
  /** The strings of a row that have no packed form, by slot (rare but for end users). */
  #idText = new Map<number, string>();
  #slotOfText = new Map<string, number>();
  #apimText = new Map<number, string>();
  /** `time` when it is not `at` as ISO 8601 (a record read back with another spelling). */
  #times = new Map<number, string>();
  #endUserIds = new Map<number, string>();
  /** Open addressing over the slots of packed ids (slot + 1; 0 is empty), linear probing. */
  #hash = new Int32Array(2048);
  #hashed = 0;
  #free: number[] = [];
  #next = 0;
  readonly #strings = new ValueTable<string>();
  readonly #objects = new ValueTable<object>();
  #stringsLive = 0;
  #objectsLive = 0;

  /** Stores `e`; returns its slot. */
  put(e: DecisionEntry): number {
    const slot = this.#free.pop() ?? this.#grow();
    this.#at[slot] = e.at;
    this.#status[slot] = e.status;
    this.#whatIf[slot] = e.whatIf ? 1 : 0;
    const s = this.#strings;
    const l = slot * LABELS;
    const labels = this.#labels;
    labels[l + Label.Tenant] = s.id(e.tenant);
    labels[l + Label.Customer] = s.id(e.customer);
    labels[l + Label.AgencyType] = s.id(e.agencyType);
    labels[l + Label.Jurisdiction] = s.id(e.jurisdiction);
    labels[l + Label.Operation] = s.id(e.operation);
    labels[l + Label.Deployment] = s.id(e.deployment);
    labels[l + Label.Decision] = s.id(e.decision);
    labels[l + Label.Mode] = s.id(e.mode);
    labels[l + Label.PolicyRevision] = s.id(e.policyRevision);
    labels[l + Label.Error] = s.id(e.error);
    labels[l + Label.KeyId] = s.id(e.who.keyId);
    labels[l + Label.EndUserFrom] = s.id(e.who.endUser?.from ?? null);
    labels[l + Label.ClientAddress] = s.id(e.who.clientAddress);
    labels[l + Label.UserAgent] = s.id(e.who.userAgent);
    const p = slot * PARTS;
    this.#parts[p + Part.Policies] = this.#objects.id(e.policies);
    this.#parts[p + Part.Facts] = this.#objects.id(e.facts);
    this.#parts[p + Part.Evidence] = this.#objects.id(e.evidence);
    let flags = LIVE;
    if (packUuid(e.decisionId, this.#idBytes, slot * 16)) {
      flags |= ID_PACKED;
    } else {
      this.#idText.set(slot, e.decisionId);
      this.#slotOfText.set(e.decisionId, slot);
    }
    const apim = e.who.apimRequestId;
    if (apim !== null) {
      if (packUuid(apim, this.#apimBytes, slot * 16)) flags |= APIM_PACKED;
      else this.#apimText.set(slot, apim);
    }
    this.#flags[slot] = flags;
    if ((flags & ID_PACKED) !== 0) this.#addHash(slot);
    if (!isIsoOf(e.time, e.at)) this.#times.set(slot, e.time);
    if (e.who.endUser !== null) this.#endUserIds.set(slot, e.who.endUser.id);
    return slot;
  }

  /** Frees `slot` for the next row. */
  free(slot: number): void {
    if ((this.#flags[slot]! & ID_PACKED) !== 0) this.#deleteHash(slot);
    else {
      this.#slotOfText.delete(this.#idText.get(slot)!);
      this.#idText.delete(slot);
    }
    if ((this.#flags[slot]! & APIM_PACKED) === 0) this.#apimText.delete(slot);
    this.#times.delete(slot);
    this.#endUserIds.delete(slot);
    this.#flags[slot] = 0;
    this.#free.push(slot);
    this.#maybeCompact();
  }

  /** The slot of the row with `decisionId`; -1 when none. */
  find(decisionId: string): number {
    const probe = PROBE;
    if (!packUuid(decisionId, probe, 0)) return this.#slotOfText.get(decisionId) ?? -1;
    const mask = this.#hash.length - 1;
    for (let i = homeOf(probe, 0) & mask; ; i = (i + 1) & mask) {
      const entry = this.#hash[i]!;
      if (entry === 0) return -1;
      if (sameId(this.#idBytes, (entry - 1) * 16, probe)) return entry - 1;
    }
  }

  #addHash(slot: number): void {
    if ((this.#hashed + 1) * 2 > this.#hash.length) {
      this.#rehash(this.#hash.length * 2); // which adds `slot` too: it is live already
      return;
    }
    const mask = this.#hash.length - 1;
    let i = homeOf(this.#idBytes, slot * 16) & mask;
    while (this.#hash[i] !== 0) i = (i + 1) & mask;
    this.#hash[i] = slot + 1;
    this.#hashed++;
  }

  /** Removes `slot` and shifts back the entries its place had pushed along (no tombstones). */
  #deleteHash(slot: number): void {
    const hash = this.#hash;
    const mask = hash.length - 1;
    let i = homeOf(this.#idBytes, slot * 16) & mask;
    while (hash[i] !== slot + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; hash[j] !== 0; j = (j + 1) & mask) {
      const home = homeOf(this.#idBytes, (hash[j]! - 1) * 16) & mask;
      // Move j back into the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        hash[i] = hash[j]!;
        i = j;
      }
    }
    hash[i] = 0;
    this.#hashed--;
  }

  #rehash(size: number): void {
    this.#hash = new Int32Array(size);
    this.#hashed = 0;
    for (let slot = 0; slot < this.#next; slot++) {
      if ((this.#flags[slot]! & (LIVE | ID_PACKED)) === (LIVE | ID_PACKED)) this.#addHash(slot);
    }
  }

  at(slot: number): number {
    return this.#at[slot]!;
  }

  decisionId(slot: number): string {
    return (this.#flags[slot]! & ID_PACKED) !== 0
      ? unpackUuid(this.#idBytes, slot * 16)
      : this.#idText.get(slot)!;
  }

  whatIf(slot: number): boolean {
    return this.#whatIf[slot] === 1;
  }

  label(slot: number, label: Label): string | null {
    return this.#strings.value(this.#labels[slot * LABELS + label]!);
  }

  policies(slot: number): EntryPolicy[] {
    return this.#objects.value(this.#parts[slot * PARTS + Part.Policies]!) as EntryPolicy[];
  }

  /** The entry of `slot`, made afresh (equal to the one stored). */
  entry(slot: number): DecisionEntry {
    const label = (l: Label) => this.label(slot, l);
    const endUserId = this.#endUserIds.get(slot);
    const at = this.#at[slot]!;
    const apim =
      (this.#flags[slot]! & APIM_PACKED) !== 0
        ? unpackUuid(this.#apimBytes, slot * 16)
        : (this.#apimText.get(slot) ?? null);
    return {
      decisionId: this.decisionId(slot),
      time: this.#times.get(slot) ?? new Date(at).toISOString(),
      at,
      tenant: label(Label.Tenant),
      customer: label(Label.Customer),
      agencyType: label(Label.AgencyType),
      jurisdiction: label(Label.Jurisdiction),
      operation: label(Label.Operation)!,
      deployment: label(Label.Deployment),
      decision: label(Label.Decision)!,
      mode: label(Label.Mode)!,
      status: this.#status[slot]!,
      policies: this.policies(slot),
      policyRevision: label(Label.PolicyRevision),
      facts: this.#objects.value(this.#parts[slot * PARTS + Part.Facts]!) as DecisionEntry["facts"],
      evidence: this.#objects.value(this.#parts[slot * PARTS + Part.Evidence]!) as string[],
      error: label(Label.Error),
      whatIf: this.whatIf(slot),
      who: {
        keyId: label(Label.KeyId),
        endUser:
          endUserId === undefined ? null : { id: endUserId, from: label(Label.EndUserFrom)! },
        clientAddress: label(Label.ClientAddress),
        userAgent: label(Label.UserAgent),
        apimRequestId: apim,
      },
    };
  }

  #grow(): number {
    if (this.#next === this.#capacity) {
      const capacity = Math.max(1024, this.#capacity * 2);
      this.#at = grown(this.#at, new Float64Array(capacity));
      this.#status = grown(this.#status, new Int32Array(capacity));
      this.#whatIf = grown(this.#whatIf, new Uint8Array(capacity));
      this.#labels = grown(this.#labels, new Int32Array(capacity * LABELS));
      this.#parts = grown(this.#parts, new Int32Array(capacity * PARTS));
      this.#idBytes = grown(this.#idBytes, new Uint8Array(capacity * 16));
      this.#apimBytes = grown(this.#apimBytes, new Uint8Array(capacity * 16));
      this.#flags = grown(this.#flags, new Uint8Array(capacity));
      this.#capacity = capacity;
    }
    return this.#next++;
  }

  /** Drops the labels and parts no live row uses, once the tables have grown well past them. */
  #maybeCompact(): void {
    const strings = this.#strings.size > Math.max(COMPACT_AT, 2 * this.#stringsLive);
    const objects = this.#objects.size > Math.max(COMPACT_AT, 2 * this.#objectsLive);
    if (!strings && !objects) return;
    const live = this.#liveSlots();
    if (strings) this.#stringsLive = compactColumn(this.#strings, this.#labels, live, LABELS);
    if (objects) this.#objectsLive = compactColumn(this.#objects, this.#parts, live, PARTS);
  }

  #liveSlots(): Uint8Array {
    const live = new Uint8Array(this.#next);
    for (let i = 0; i < this.#next; i++) live[i] = (this.#flags[i]! & LIVE) === 0 ? 0 : 1;
    return live;
  }
}

/** Renumbers `column` (rows of `width` numbers) after dropping the values no live row uses. */
function compactColumn<T>(
  table: ValueTable<T>,
  column: Int32Array,
  live: Uint8Array,
  width: number,
): number {
  const used = new Uint8Array(table.size);
  for (let slot = 0; slot < live.length; slot++) {
    if (live[slot] === 0) continue;
    for (let k = slot * width; k < (slot + 1) * width; k++) {
      const id = column[k]!;
      if (id >= 0) used[id] = 1;
    }
  }
  const remap = table.compact(used);
  for (let slot = 0; slot < live.length; slot++) {
    for (let k = slot * width; k < (slot + 1) * width; k++) {
      const id = column[k]!;
      column[k] = live[slot] === 0 || id < 0 ? -1 : remap[id]!;
    }
  }
  return table.size;
}

function grown<A extends Float64Array | Int32Array | Uint8Array>(from: A, to: A): A {
  to.set(from);
  return to;
}

/** Scratch bytes of the id looked up. */
const PROBE = new Uint8Array(16);

/** Where a packed id's probe starts: its first four bytes (random in a version 4 UUID). */
function homeOf(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

function sameId(bytes: Uint8Array, at: number, probe: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (bytes[at + i] !== probe[i]) return false;
  return true;
}
