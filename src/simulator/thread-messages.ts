import type { Message, MessageContent } from "openai/resources/beta/threads/messages";
import { type AzureError, badRequest, objectNotFound } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { paginate, queryOf } from "./pagination.js";
import {
  asObject,
  type Built,
  type JsonObject,
  metadataParam,
  requireJsonObject,
} from "./params.js";
import type { StoredThread } from "./thread-types.js";

/** The 404 for a thread id the simulator does not hold. */
export function threadNotFound(id: string): AzureError {
  return objectNotFound(`No thread found with id '${id}'.`);
}

/** The thread the path names, or undefined after answering its 404. */
export function foundThread(exchange: Exchange): StoredThread | undefined {
  const id = exchange.route.ids[0] ?? "";
  const thread = exchange.state.threads.get(id);
  if (thread === undefined) sendError(exchange, threadNotFound(id));
  return thread;
}

/** A text content block, the shape every simulated message's text takes. */
export function textContent(value: string): MessageContent {
  return { type: "text", text: { value, annotations: [] } };
}

function contentOf(content: unknown): MessageContent[] | undefined {
  if (typeof content === "string") return [textContent(content)];
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const blocks: MessageContent[] = [];
  for (const entry of content) {
    const part = asObject(entry);
    if (part?.["type"] === "text" && typeof part["text"] === "string") {
      blocks.push(textContent(part["text"]));
    } else if (part?.["type"] === "image_file" || part?.["type"] === "image_url") {
      blocks.push(part as unknown as MessageContent);
    } else {
      return undefined;
    }
  }
  return blocks;
}

/** A message object as the Assistants API returns it. */
export function messageOf(
  threadId: string,
  role: Message["role"],
  content: MessageContent[],
  extra: { assistantId?: string; runId?: string; metadata?: Record<string, string> } = {},
): Message {
  const now = unixSeconds();
  return {
    id: newId.threadMessage(),
    object: "thread.message",
    created_at: now,
    thread_id: threadId,
    status: "completed",
    incomplete_details: null,
    completed_at: now,
    incomplete_at: null,
    role,
    content,
    assistant_id: extra.assistantId ?? null,
    run_id: extra.runId ?? null,
    attachments: [],
    metadata: extra.metadata ?? {},
  };
}

/**
 * A user-supplied message (`{role, content, metadata}`, content a string or text/image parts) for
 * a thread, or the 400 it earns.
 */
export function messageFromParam(threadId: string, param: JsonObject): Built<Message> {
  const role = param["role"];
  if (role !== "user" && role !== "assistant") {
    return { error: badRequest("'role' must be 'user' or 'assistant'.", "role") };
  }
  const content = contentOf(param["content"]);
  if (content === undefined) {
    return {
      error: badRequest("'content' must be a string or an array of content parts.", "content"),
    };
  }
  return { value: messageOf(threadId, role, content, { metadata: metadataParam(param) }) };
}

/** `POST /openai/threads/{id}/messages`. */
export function createMessage(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored === undefined) return;
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const message = messageFromParam(stored.thread.id, body);
  if ("error" in message) {
    sendError(exchange, message.error);
    return;
  }
  stored.messages.set(message.value.id, message.value);
  sendJson(exchange, 200, message.value);
}

/** `GET /openai/threads/{id}/messages[?run_id=]`: newest first, cursor-paged. */
export function listMessages(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored === undefined) return;
  const runId = queryOf(exchange).get("run_id");
  const messages = stored.messages.values();
  sendJson(
    exchange,
    200,
    paginate(exchange, runId === null ? messages : messages.filter((m) => m.run_id === runId)),
  );
}

/** `GET /openai/threads/{id}/messages/{message_id}`. */
export function retrieveMessage(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored === undefined) return;
  const id = exchange.route.ids[1] ?? "";
  const message = stored.messages.get(id);
  if (message === undefined)
    sendError(exchange, objectNotFound(`No message found with id '${id}'.`));
  else sendJson(exchange, 200, message);
}
