import { objectNotFound } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { paginate } from "./pagination.js";
import type { StoredResponse } from "./response-items.js";

function stored(exchange: Exchange): StoredResponse | undefined {
  const id = exchange.route.ids[0] ?? "";
  const found = exchange.state.responses.get(id);
  if (found === undefined) {
    sendError(exchange, objectNotFound(`Response with id '${id}' not found.`));
  }
  return found;
}

/** `GET /openai/responses/{id}`: a stored Response as it finished. */
export function retrieveResponse(exchange: Exchange): void {
  const found = stored(exchange);
  if (found !== undefined) sendJson(exchange, 200, found.response);
}

/** `DELETE /openai/responses/{id}`: forgets a stored Response (OpenAI's deletion object). */
export function deleteResponse(exchange: Exchange): void {
  const found = stored(exchange);
  if (found === undefined) return;
  exchange.state.responses.delete(found.response.id);
  sendJson(exchange, 200, { id: found.response.id, object: "response", deleted: true });
}

/** `GET /openai/responses/{id}/input_items`: the items the Response was made from (newest first). */
export function listInputItems(exchange: Exchange): void {
  const found = stored(exchange);
  if (found !== undefined) sendJson(exchange, 200, paginate(exchange, found.inputItems));
}
