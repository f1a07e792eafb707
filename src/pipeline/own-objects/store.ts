/**
 * The object registry: for every object created through the gateway, its owner and the facts that
 * matter to policy (never text, never image bytes). Records live in the shared store
 * (`src/store/`): this in-memory registry inside the memory store, or Redis for a fleet.
 */
import type {
  CameraSource,
  Capture,
  ImageOrigin,
  Mobility,
  Purpose,
} from "../classify-request/facts.js";
import type { ObjectKind } from "./kinds.js";

/** Who an object belongs to: the tenant, and the customer when it was created for one. */
export interface ObjectOwner {
  tenantId: string;
  customerId?: string;
}

/** What policy needs to know of an object's content: counts and labels, no text, no bytes. */
export interface StoredFacts {
  images: number;
  origins: ImageOrigin[];
  cameraSource: CameraSource;
  mobility: Mobility;
  capture: Capture;
  purposes: Purpose[];
}

/** One recorded object. */
export interface ObjectRecord {
  id: string;
  kind: ObjectKind;
  owner: ObjectOwner;
  facts: StoredFacts;
  /** ms since the epoch. */
  createdAt: number;
  expiresAt: number;
}

/** Whether `owner` may use an object of `record`: same tenant, same customer (or both none). */
export function owns(owner: ObjectOwner, record: ObjectRecord): boolean {
  return owner.tenantId === record.owner.tenantId && owner.customerId === record.owner.customerId;
}

/**
 * The in-memory registry: a Map in insertion order, so when it is full the oldest record goes
 * first; expired records are dropped when read. About 600 bytes per record (measured in the unit
 * test: id, owner, a few short arrays and the Map entry), so the default 200,000 records
 * (`limits.maxStoredObjects`) cost about 120 MB at most.
 */
export class MemoryObjectStore {
  readonly #records = new Map<string, ObjectRecord>();
  readonly #max: number;

  constructor(maxRecords = 200_000) {
    this.#max = maxRecords;
  }

  get size(): number {
    return this.#records.size;
  }

  get(id: string, now: number): ObjectRecord | undefined {
    const record = this.#records.get(id);
    if (record === undefined) return undefined;
    if (record.expiresAt <= now) {
      this.#records.delete(id);
      return undefined;
    }
    return record;
  }

  put(record: ObjectRecord): void {
    this.#records.delete(record.id);
    if (this.#records.size >= this.#max) {
      const oldest = this.#records.keys().next().value;
      if (oldest !== undefined) this.#records.delete(oldest);
    }
    this.#records.set(record.id, record);
  }

  delete(id: string): void {
    this.#records.delete(id);
  }
}
