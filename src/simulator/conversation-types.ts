import type { Conversation } from "openai/resources/conversations/conversations";
import type { BoundedStore } from "./bounded-store.js";
import type { StoredItem } from "./response-items.js";

/** A conversation and its items (oldest first), as the Conversations API and Responses share it. */
export interface StoredConversation {
  conversation: Conversation;
  readonly items: BoundedStore<StoredItem>;
}
