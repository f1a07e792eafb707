import type { VectorStore } from "openai/resources/vector-stores/vector-stores";
import { badRequest, objectNotFound } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { paginate } from "./pagination.js";
import { metadataParam, requireJsonObject, stringParam } from "./params.js";

function found(exchange: Exchange): VectorStore | undefined {
  const id = exchange.route.ids[0] ?? "";
  const store = exchange.state.vectorStores.get(id);
  if (store === undefined)
    sendError(exchange, objectNotFound(`No vector store found with id '${id}'.`));
  return store;
}

/**
 * `POST /openai/vector_stores`: a store that is ready at once (`completed`), counting the
 * `file_ids` it was given (each must be a known file, else a 400). Nothing is indexed or searched.
 */
export function createVectorStore(exchange: Exchange): void {
  const body = exchange.body.kind === "empty" ? {} : requireJsonObject(exchange);
  if (body === undefined) return;
  const fileIds = Array.isArray(body["file_ids"]) ? body["file_ids"] : [];
  let usageBytes = 0;
  for (const id of fileIds) {
    const file = typeof id === "string" ? exchange.state.files.get(id) : undefined;
    if (file === undefined) {
      sendError(exchange, badRequest(`File '${String(id)}' was not found.`, "file_ids"));
      return;
    }
    usageBytes += file.bytes;
  }
  const now = unixSeconds();
  const store: VectorStore = {
    id: newId.vectorStore(),
    object: "vector_store",
    created_at: now,
    name: stringParam(body, "name") ?? "",
    usage_bytes: usageBytes,
    file_counts: {
      in_progress: 0,
      completed: fileIds.length,
      failed: 0,
      cancelled: 0,
      total: fileIds.length,
    },
    status: "completed",
    expires_at: null,
    last_active_at: now,
    metadata: metadataParam(body),
  };
  exchange.state.vectorStores.set(store.id, store);
  sendJson(exchange, 200, store);
}

/** `GET /openai/vector_stores`: newest first, cursor-paged. */
export function listVectorStores(exchange: Exchange): void {
  sendJson(exchange, 200, paginate(exchange, exchange.state.vectorStores.values()));
}

/** `GET /openai/vector_stores/{id}`. */
export function retrieveVectorStore(exchange: Exchange): void {
  const store = found(exchange);
  if (store !== undefined) sendJson(exchange, 200, store);
}

/** `DELETE /openai/vector_stores/{id}`. */
export function deleteVectorStore(exchange: Exchange): void {
  const store = found(exchange);
  if (store === undefined) return;
  exchange.state.vectorStores.delete(store.id);
  sendJson(exchange, 200, { id: store.id, object: "vector_store.deleted", deleted: true });
}
