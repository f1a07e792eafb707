import type { Assistant } from "openai/resources/beta/assistants";
import { type AzureError, badRequest, objectNotFound } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { paginate } from "./pagination.js";
import { metadataParam, requireJsonObject, stringParam } from "./params.js";

/** The 404 for an assistant id the simulator does not hold (also for runs naming one). */
export function assistantNotFound(id: string): AzureError {
  return objectNotFound(`No assistant found with id '${id}'.`);
}

function found(exchange: Exchange): Assistant | undefined {
  const id = exchange.route.ids[0] ?? "";
  const assistant = exchange.state.assistants.get(id);
  if (assistant === undefined) sendError(exchange, assistantNotFound(id));
  return assistant;
}

/** `POST /openai/assistants`: `model` (on Azure, the deployment name) is required. */
export function createAssistant(exchange: Exchange): void {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const model = stringParam(body, "model");
  if (model === undefined) {
    sendError(exchange, badRequest("Missing required parameter: 'model'.", "model"));
    return;
  }
  const tools = body["tools"];
  const temperature = body["temperature"];
  const topP = body["top_p"];
  const assistant: Assistant = {
    id: newId.assistant(),
    object: "assistant",
    created_at: unixSeconds(),
    name: stringParam(body, "name") ?? null,
    description: stringParam(body, "description") ?? null,
    model,
    instructions: stringParam(body, "instructions") ?? null,
    tools: Array.isArray(tools) ? (tools as Assistant["tools"]) : [],
    tool_resources: {},
    metadata: metadataParam(body),
    temperature: typeof temperature === "number" ? temperature : 1,
    top_p: typeof topP === "number" ? topP : 1,
    response_format: "auto",
  };
  exchange.state.assistants.set(assistant.id, assistant);
  sendJson(exchange, 200, assistant);
}

/** `GET /openai/assistants`: newest first, cursor-paged. */
export function listAssistants(exchange: Exchange): void {
  sendJson(exchange, 200, paginate(exchange, exchange.state.assistants.values()));
}

/** `GET /openai/assistants/{id}`. */
export function retrieveAssistant(exchange: Exchange): void {
  const assistant = found(exchange);
  if (assistant !== undefined) sendJson(exchange, 200, assistant);
}

/** `DELETE /openai/assistants/{id}`. */
export function deleteAssistant(exchange: Exchange): void {
  const assistant = found(exchange);
  if (assistant === undefined) return;
  exchange.state.assistants.delete(assistant.id);
  sendJson(exchange, 200, { id: assistant.id, object: "assistant.deleted", deleted: true });
}
