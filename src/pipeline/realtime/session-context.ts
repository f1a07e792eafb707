/**
 * What one realtime session has put before the model so far, as the classifier reads it: the
 * client events the gateway forwarded, without their image bytes (their facts are kept instead,
 * as for a stored conversation), and the facts of the images they carried. A denied event never
 * joins it: it never reached the model. Pure: no sockets.
 */
import type { RequestFacts } from "../classify-request/facts.js";
import { storedFactsOf } from "../own-objects/context-facts.js";
import type { ObjectRecord, StoredFacts } from "../own-objects/store.js";

/** Keys whose values are image bytes or references: their facts are kept, not their values. */
const IMAGE_KEYS = new Set(["image_url", "file_url", "file_data"]);

const NO_FACTS: StoredFacts = Object.freeze({
  images: 0,
  origins: [],
  cameraSource: "unknown",
  mobility: "unknown",
  capture: "unknown",
  purposes: [],
}) as StoredFacts;

/**
 * `value` without image values, and with audio reduced to an empty string: what the classifier
 * must read again with each later event (the text, and that speech was sent), nothing more.
 */
export function withoutMedia(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMedia);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (IMAGE_KEYS.has(key)) continue;
    out[key] = key === "audio" && typeof v === "string" ? "" : withoutMedia(v);
  }
  return out;
}

/** An `input_audio_buffer.append` with nothing but its type, id and audio. */
function isBareAudioAppend(event: unknown): boolean {
  if (typeof event !== "object" || event === null) return false;
  const e = event as Record<string, unknown>;
  if (e["type"] !== "input_audio_buffer.append") return false;
  for (const key in e) if (key !== "type" && key !== "event_id" && key !== "audio") return false;
  return true;
}

/** The session so far, and the body one more event is judged as. */
export class SessionContext {
  /** JSON of each forwarded event, media removed. */
  readonly #parts: string[] = [];
  readonly #parsed: unknown[] = [];
  #chars = 0;
  #facts: StoredFacts = NO_FACTS;
  /** Bumped whenever what the classifier reads changes (for the audio verdict memo). */
  version = 0;
  /** Speech was forwarded: the model hears what the gateway cannot read. */
  audio = false;

  /** Characters the classifier reads again with each event. */
  get chars(): number {
    return this.#chars;
  }

  /** The facts of the images forwarded so far (joined to each event's like a conversation's). */
  get facts(): StoredFacts {
    return this.#facts;
  }

  /** The session as a stored conversation record, for the classifier's context join. */
  asRecord(tenantId: string, customerId: string | undefined): ObjectRecord {
    return {
      id: "session",
      kind: "conversation",
      owner: customerId === undefined ? { tenantId } : { tenantId, customerId },
      facts: this.#facts,
      createdAt: 0,
      expiresAt: Number.POSITIVE_INFINITY,
    };
  }

  /**
   * The body `event` is judged as: the session so far then the event, as one JSON array whose
   * raw text is exactly what was parsed (the duplicate-key check reads the event's own bytes).
   */
  bodyFor(event: unknown, raw: string): { raw: Buffer; parsed: unknown[] } {
    const text = this.#parts.length === 0 ? `[${raw}]` : `[${this.#parts.join(",")},${raw}]`;
    return { raw: Buffer.from(text), parsed: [...this.#parsed, event] };
  }

  /** Adds a forwarded event; `facts` are its facts with the session's joined in. */
  accept(event: unknown, facts: RequestFacts): void {
    if (this.audio && isBareAudioAppend(event)) return; // nothing new to read
    const stripped = withoutMedia(event);
    const json = JSON.stringify(stripped);
    this.#parts.push(json);
    this.#parsed.push(stripped);
    this.#chars += json.length;
    this.#facts = storedFactsOf(facts);
    if (typeof event === "object" && event !== null && json.includes('"audio":""')) {
      this.audio = true;
    }
    this.version++;
  }
}
