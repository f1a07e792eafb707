import type { Thread } from "openai/resources/beta/threads/threads";
import { badRequest } from "./azure-errors.js";
import { BoundedStore } from "./bounded-store.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import {
  asObject,
  type Built,
  type JsonObject,
  metadataParam,
  requireJsonObject,
} from "./params.js";
import { foundThread, messageFromParam } from "./thread-messages.js";
import type { StoredThread } from "./thread-types.js";

/**
 * A new thread from a create body (`messages`, `metadata`), not yet stored, or its 400. Shared by
 * `POST /threads` and `POST /threads/runs`.
 */
export function newThread(params: JsonObject): Built<StoredThread> {
  const thread: Thread = {
    id: newId.thread(),
    object: "thread",
    created_at: unixSeconds(),
    metadata: metadataParam(params),
    tool_resources: {},
  };
  const stored: StoredThread = { thread, messages: new BoundedStore(), runs: new BoundedStore() };
  const messages = params["messages"];
  if (messages !== undefined && messages !== null && !Array.isArray(messages)) {
    return { error: badRequest("'messages' must be an array.", "messages") };
  }
  for (const entry of messages ?? []) {
    const message = messageFromParam(thread.id, asObject(entry) ?? {});
    if ("error" in message) return message;
    stored.messages.set(message.value.id, message.value);
  }
  return { value: stored };
}

/** `POST /openai/threads` (the body is optional). */
export function createThread(exchange: Exchange): void {
  const body = exchange.body.kind === "empty" ? {} : requireJsonObject(exchange);
  if (body === undefined) return;
  const stored = newThread(body);
  if ("error" in stored) {
    sendError(exchange, stored.error);
    return;
  }
  exchange.state.threads.set(stored.value.thread.id, stored.value);
  sendJson(exchange, 200, stored.value.thread);
}

/** `GET /openai/threads/{id}`. */
export function retrieveThread(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored !== undefined) sendJson(exchange, 200, stored.thread);
}

/** `DELETE /openai/threads/{id}`: the thread goes with its messages and runs. */
export function deleteThread(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored === undefined) return;
  exchange.state.threads.delete(stored.thread.id);
  sendJson(exchange, 200, { id: stored.thread.id, object: "thread.deleted", deleted: true });
}
