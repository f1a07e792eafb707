import type { Assistant } from "openai/resources/beta/assistants";
import type { VectorStore } from "openai/resources/vector-stores/vector-stores";
import type { StoredBatch } from "./batch-types.js";
import { BoundedStore, MAX_OBJECTS } from "./bounded-store.js";
import type { StoredConversation } from "./conversation-types.js";
import { FileStore } from "./file-store.js";
import type { StoredResponse } from "./response-items.js";
import type { StoredThread } from "./thread-types.js";

/** Bytes of request bodies that stored responses may account for; past it the oldest go. */
export const MAX_RESPONSE_STORE_BYTES = 256 * 1024 * 1024;

/**
 * Everything one simulator instance remembers between requests, one bounded store per kind, so
 * stateful APIs (files, batches, stored responses, conversations, assistants, vector stores) work
 * end to end while memory stays bounded. Nothing is shared between simulator instances.
 */
export interface SimulatorState {
  readonly files: FileStore;
  readonly batches: BoundedStore<StoredBatch>;
  readonly responses: BoundedStore<StoredResponse>;
  readonly conversations: BoundedStore<StoredConversation>;
  readonly assistants: BoundedStore<Assistant>;
  readonly threads: BoundedStore<StoredThread>;
  readonly vectorStores: BoundedStore<VectorStore>;
}

/** A fresh, empty state for a new simulator. */
export function createState(): SimulatorState {
  return {
    files: new FileStore(),
    batches: new BoundedStore(),
    responses: new BoundedStore(MAX_OBJECTS, MAX_RESPONSE_STORE_BYTES),
    conversations: new BoundedStore(),
    assistants: new BoundedStore(),
    threads: new BoundedStore(),
    vectorStores: new BoundedStore(),
  };
}
