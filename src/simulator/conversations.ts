import type { Conversation } from "openai/resources/conversations/conversations";
import { type AzureError, badRequest, objectNotFound } from "./azure-errors.js";
import { BoundedStore } from "./bounded-store.js";
import type { StoredConversation } from "./conversation-types.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { paginate } from "./pagination.js";
import { metadataParam, requireJsonObject } from "./params.js";
import { itemsOf, type StoredItem } from "./response-items.js";

/** The 404 for a conversation id the simulator does not hold (also for Responses' `conversation`). */
export function conversationNotFound(id: string): AzureError {
  return objectNotFound(`Conversation with id '${id}' not found.`);
}

function found(exchange: Exchange): StoredConversation | undefined {
  const id = exchange.route.ids[0] ?? "";
  const conversation = exchange.state.conversations.get(id);
  if (conversation === undefined) sendError(exchange, conversationNotFound(id));
  return conversation;
}

/** A JSON body that may be absent (the SDK sends none for a bare `create()`), read as an object. */
function optionalBody(exchange: Exchange): Readonly<Record<string, unknown>> | undefined {
  return exchange.body.kind === "empty" ? {} : requireJsonObject(exchange);
}

/** `POST /openai/v1/conversations`: a conversation, seeded with `items` when given. */
export function createConversation(exchange: Exchange): void {
  const body = optionalBody(exchange);
  if (body === undefined) return;
  const items = body["items"];
  if (items !== undefined && items !== null && !Array.isArray(items)) {
    sendError(exchange, badRequest("'items' must be an array.", "items"));
    return;
  }
  const conversation: Conversation = {
    id: newId.conversation(),
    object: "conversation",
    created_at: unixSeconds(),
    metadata: metadataParam(body),
  };
  const stored: StoredConversation = { conversation, items: new BoundedStore() };
  for (const item of itemsOf(items ?? [])) stored.items.set(item.id, item);
  exchange.state.conversations.set(conversation.id, stored);
  sendJson(exchange, 200, conversation);
}

/** `GET /openai/v1/conversations/{id}`. */
export function retrieveConversation(exchange: Exchange): void {
  const stored = found(exchange);
  if (stored !== undefined) sendJson(exchange, 200, stored.conversation);
}

/** `POST /openai/v1/conversations/{id}`: replaces the metadata. */
export function updateConversation(exchange: Exchange): void {
  const stored = found(exchange);
  if (stored === undefined) return;
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  stored.conversation = { ...stored.conversation, metadata: metadataParam(body) };
  sendJson(exchange, 200, stored.conversation);
}

/** `DELETE /openai/v1/conversations/{id}`. */
export function deleteConversation(exchange: Exchange): void {
  const stored = found(exchange);
  if (stored === undefined) return;
  exchange.state.conversations.delete(stored.conversation.id);
  sendJson(exchange, 200, {
    id: stored.conversation.id,
    object: "conversation.deleted",
    deleted: true,
  });
}

/** `POST /openai/v1/conversations/{id}/items`: appends items, answers them as a list. */
export function createConversationItems(exchange: Exchange): void {
  const stored = found(exchange);
  if (stored === undefined) return;
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  if (!Array.isArray(body["items"])) {
    sendError(exchange, badRequest("Missing required parameter: 'items'.", "items"));
    return;
  }
  const added = itemsOf(body["items"]);
  for (const item of added) stored.items.set(item.id, item);
  sendJson(exchange, 200, {
    object: "list",
    data: added,
    first_id: added[0]?.id ?? null,
    last_id: added.at(-1)?.id ?? null,
    has_more: false,
  });
}

/** `GET /openai/v1/conversations/{id}/items`: newest first unless `order=asc`. */
export function listConversationItems(exchange: Exchange): void {
  const stored = found(exchange);
  if (stored !== undefined) sendJson(exchange, 200, paginate(exchange, stored.items.values()));
}

function itemOf(exchange: Exchange, stored: StoredConversation): StoredItem | undefined {
  const itemId = exchange.route.ids[1] ?? "";
  const item = stored.items.get(itemId);
  if (item === undefined)
    sendError(exchange, objectNotFound(`Item with id '${itemId}' not found.`));
  return item;
}

/** `GET /openai/v1/conversations/{id}/items/{item_id}`. */
export function retrieveConversationItem(exchange: Exchange): void {
  const stored = found(exchange);
  const item = stored === undefined ? undefined : itemOf(exchange, stored);
  if (item !== undefined) sendJson(exchange, 200, item);
}

/** `DELETE /openai/v1/conversations/{id}/items/{item_id}`: answers the conversation, as OpenAI does. */
export function deleteConversationItem(exchange: Exchange): void {
  const stored = found(exchange);
  const item = stored === undefined ? undefined : itemOf(exchange, stored);
  if (stored === undefined || item === undefined) return;
  stored.items.delete(item.id);
  sendJson(exchange, 200, stored.conversation);
}
