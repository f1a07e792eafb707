import type { Operation } from "./operations.js";

export type { Operation } from "./operations.js";

/** Where a request landed: the operation, and what the path says about deployment and objects. */
export interface Route {
  readonly operation: Operation;
  /** From the classic path; on the v1 path the deployment is the body's `model`, read later. */
  readonly deployment: string | undefined;
  readonly flavor: "classic" | "v1";
  /** The path's object ids in order, e.g. `["thread_…", "run_…"]` for `threads/{t}/runs/{r}`. */
  readonly ids: readonly string[];
}

/** Why a request under `/openai/` matched nothing: Azure answers both with a 404. */
export type RouteMiss = { readonly miss: "not-found" | "missing-api-version" };

const DEPLOYMENT_OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ["chat/completions", "chat.completions"],
  ["completions", "completions"],
  ["embeddings", "embeddings"],
  ["images/generations", "images.generations"],
  ["images/edits", "images.edits"],
  ["audio/transcriptions", "audio.transcriptions"],
  ["audio/translations", "audio.translations"],
  ["audio/speech", "audio.speech"],
]);

/**
 * The object APIs that live directly under a base (`/openai` or `/openai/v1`), first match wins.
 * `:` stands for one id segment.
 */
const RESOURCE_ROUTES: ReadonlyArray<readonly [string, string, Operation]> = [
  ["POST", "responses", "responses"],
  ["GET", "responses/:", "responses.retrieve"],
  ["DELETE", "responses/:", "responses.delete"],
  ["GET", "responses/:/input_items", "responses.inputItems"],
  ["POST", "files", "files.create"],
  ["GET", "files", "files.list"],
  ["GET", "files/:", "files.retrieve"],
  ["DELETE", "files/:", "files.delete"],
  ["GET", "files/:/content", "files.content"],
  ["POST", "batches", "batches.create"],
  ["GET", "batches", "batches.list"],
  ["GET", "batches/:", "batches.retrieve"],
  ["POST", "batches/:/cancel", "batches.cancel"],
  ["POST", "conversations", "conversations.create"],
  ["GET", "conversations/:", "conversations.retrieve"],
  ["POST", "conversations/:", "conversations.update"],
  ["DELETE", "conversations/:", "conversations.delete"],
  ["POST", "conversations/:/items", "conversations.items.create"],
  ["GET", "conversations/:/items", "conversations.items.list"],
  ["GET", "conversations/:/items/:", "conversations.items.retrieve"],
  ["DELETE", "conversations/:/items/:", "conversations.items.delete"],
  ["POST", "assistants", "assistants.create"],
  ["GET", "assistants", "assistants.list"],
  ["GET", "assistants/:", "assistants.retrieve"],
  ["DELETE", "assistants/:", "assistants.delete"],
  ["POST", "threads", "threads.create"],
  ["POST", "threads/runs", "threads.createAndRun"],
  ["GET", "threads/:", "threads.retrieve"],
  ["DELETE", "threads/:", "threads.delete"],
  ["POST", "threads/:/messages", "threads.messages.create"],
  ["GET", "threads/:/messages", "threads.messages.list"],
  ["GET", "threads/:/messages/:", "threads.messages.retrieve"],
  ["POST", "threads/:/runs", "threads.runs.create"],
  ["GET", "threads/:/runs", "threads.runs.list"],
  ["GET", "threads/:/runs/:", "threads.runs.retrieve"],
  ["POST", "vector_stores", "vectorStores.create"],
  ["GET", "vector_stores", "vectorStores.list"],
  ["GET", "vector_stores/:", "vectorStores.retrieve"],
  ["DELETE", "vector_stores/:", "vectorStores.delete"],
];

const PATTERNS = RESOURCE_ROUTES.map(([method, pattern, operation]) => ({
  method,
  segments: pattern.split("/"),
  operation,
}));

/** The resource route a method and base-relative segments match, with the ids they carry. */
function resourceRoute(
  method: string,
  segments: readonly string[],
  flavor: Route["flavor"],
): Route | undefined {
  for (const pattern of PATTERNS) {
    if (pattern.method !== method || pattern.segments.length !== segments.length) continue;
    const ids: string[] = [];
    const matches = pattern.segments.every((literal, i) => {
      const segment = segments[i] ?? "";
      if (literal !== ":") return literal === segment;
      ids.push(segment);
      return segment !== "";
    });
    if (matches) return { operation: pattern.operation, deployment: undefined, flavor, ids };
  }
  return undefined;
}

/** Matches the operations that live directly under a base (`/openai` or `/openai/v1`). */
function baseRoute(method: string, segments: string[], flavor: Route["flavor"]): Route | undefined {
  const resource = resourceRoute(method, segments, flavor);
  if (resource !== undefined) return resource;
  if (flavor === "v1" && method === "POST") {
    const operation = DEPLOYMENT_OPERATIONS.get(segments.join("/"));
    if (operation !== undefined) return { operation, deployment: undefined, flavor, ids: [] };
  }
  return undefined;
}

/**
 * Maps a method and path to an operation, the way Azure's front door does: classic paths need
 * `api-version` (any value), v1 paths do not. Returns undefined for paths outside `/openai/`.
 */
export function matchRoute(
  method: string,
  pathname: string,
  hasApiVersion: boolean,
): Route | RouteMiss | undefined {
  const segments = pathname.split("/").filter((s) => s !== "");
  if (segments[0] !== "openai") return undefined;
  let decoded: string[];
  try {
    decoded = segments.slice(1).map((s) => decodeURIComponent(s));
  } catch {
    return { miss: "not-found" };
  }
  if (decoded[0] === "v1")
    return baseRoute(method, decoded.slice(1), "v1") ?? { miss: "not-found" };
  let route: Route | undefined;
  if (decoded[0] === "deployments" && decoded[1] !== undefined && method === "POST") {
    const operation = DEPLOYMENT_OPERATIONS.get(decoded.slice(2).join("/"));
    if (operation !== undefined) {
      route = { operation, deployment: decoded[1], flavor: "classic", ids: [] };
    }
  } else {
    route = baseRoute(method, decoded, "classic");
  }
  if (route === undefined) return { miss: "not-found" };
  return hasApiVersion ? route : { miss: "missing-api-version" };
}
