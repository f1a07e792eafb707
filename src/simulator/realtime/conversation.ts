import type { JsonObject } from "./wire.js";

/** Most items a session's conversation keeps; the oldest go first, as on the service's truncation. */
export const MAX_CONVERSATION_ITEMS = 4096;
/** Most bytes (of JSON, images included) a conversation keeps. */
export const MAX_CONVERSATION_BYTES = 64 * 1024 * 1024;

interface Stored {
  readonly item: JsonObject;
  readonly bytes: number;
  readonly audioBytes: number;
}

/** Where an item went: the id of the item before it, null at the start. */
export type Placement = { readonly previousItemId: string | null } | { readonly missing: string };

/**
 * The items of one realtime session, in order. Items go at the end, after a named item, or first
 * (`previous_item_id: "root"`), and the conversation forgets its oldest items past a count and a
 * byte budget, so a chatty session cannot grow the simulator's memory without bound.
 */
export class Conversation {
  #items: Stored[] = [];
  #bytes = 0;

  /** The id of the last item, what a new item's `previous_item_id` is when none is given. */
  lastId(): string | null {
    const last = this.#items[this.#items.length - 1];
    return last === undefined ? null : (last.item["id"] as string);
  }

  has(id: string): boolean {
    return this.#index(id) >= 0;
  }

  get(id: string): JsonObject | undefined {
    return this.#items[this.#index(id)]?.item;
  }

  /** Inserts an item after `previousItemId` (at the end when undefined, first for `root`). */
  insert(item: JsonObject, previousItemId: string | undefined, audioBytes = 0): Placement {
    let at = this.#items.length;
    if (previousItemId === "root") at = 0;
    else if (previousItemId !== undefined) {
      const index = this.#index(previousItemId);
      if (index < 0) return { missing: previousItemId };
      at = index + 1;
    }
    const bytes = JSON.stringify(item).length;
    this.#items.splice(at, 0, { item, bytes, audioBytes });
    this.#bytes += bytes;
    const placed = at === 0 ? null : (this.#items[at - 1]?.item["id"] as string);
    while (
      this.#items.length > 1 &&
      (this.#items.length > MAX_CONVERSATION_ITEMS || this.#bytes > MAX_CONVERSATION_BYTES)
    ) {
      const oldest = this.#items.shift();
      if (oldest !== undefined) this.#bytes -= oldest.bytes;
    }
    return { previousItemId: placed };
  }

  /** Replaces an item in place (a response's assistant item, once it is final). */
  replace(item: JsonObject): void {
    const index = this.#index(item["id"] as string);
    const stored = this.#items[index];
    if (stored === undefined) return;
    const bytes = JSON.stringify(item).length;
    this.#bytes += bytes - stored.bytes;
    this.#items[index] = { item, bytes, audioBytes: stored.audioBytes };
  }

  delete(id: string): boolean {
    const index = this.#index(id);
    if (index < 0) return false;
    const [removed] = this.#items.splice(index, 1);
    if (removed !== undefined) this.#bytes -= removed.bytes;
    return true;
  }

  /** The items in order, what a response reads as its context. */
  items(): JsonObject[] {
    return this.#items.map((stored) => stored.item);
  }

  /** Audio bytes the items carried (committed buffers and `input_audio` parts), for usage. */
  audioBytes(): number {
    return this.#items.reduce((sum, stored) => sum + stored.audioBytes, 0);
  }

  #index(id: string): number {
    return this.#items.findIndex((stored) => stored.item["id"] === id);
  }
}
