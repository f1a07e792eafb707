/** Every operation the simulator answers; the key of the handler table. */
export type Operation =
  | "chat.completions"
  | "completions"
  | "embeddings"
  | "images.generations"
  | "images.edits"
  | "audio.transcriptions"
  | "audio.translations"
  | "audio.speech"
  | "responses"
  | "files.create"
  | "files.list"
  | "files.retrieve"
  | "files.delete";

/** Where a request landed: the operation, and what the path says about deployment and file. */
export interface Route {
  readonly operation: Operation;
  /** From the classic path; on the v1 path the deployment is the body's `model`, read later. */
  readonly deployment: string | undefined;
  readonly flavor: "classic" | "v1";
  readonly fileId: string | undefined;
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

function fileRoute(method: string, rest: string[], flavor: Route["flavor"]): Route | undefined {
  const [id, extra] = rest;
  if (extra !== undefined) return undefined;
  if (id === undefined) {
    if (method === "POST")
      return { operation: "files.create", deployment: undefined, flavor, fileId: undefined };
    if (method === "GET")
      return { operation: "files.list", deployment: undefined, flavor, fileId: undefined };
    return undefined;
  }
  if (method === "GET")
    return { operation: "files.retrieve", deployment: undefined, flavor, fileId: id };
  if (method === "DELETE")
    return { operation: "files.delete", deployment: undefined, flavor, fileId: id };
  return undefined;
}

/** Matches the operations that live directly under a base (`/openai` or `/openai/v1`). */
function baseRoute(method: string, segments: string[], flavor: Route["flavor"]): Route | undefined {
  const [first, ...rest] = segments;
  if (first === "files") return fileRoute(method, rest, flavor);
  if (first === "responses" && rest.length === 0 && method === "POST") {
    return { operation: "responses", deployment: undefined, flavor, fileId: undefined };
  }
  if (flavor === "v1" && method === "POST") {
    const operation = DEPLOYMENT_OPERATIONS.get(segments.join("/"));
    if (operation !== undefined)
      return { operation, deployment: undefined, flavor, fileId: undefined };
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
      route = { operation, deployment: decoded[1], flavor: "classic", fileId: undefined };
    }
  } else {
    route = baseRoute(method, decoded, "classic");
  }
  if (route === undefined) return { miss: "not-found" };
  return hasApiVersion ? route : { miss: "missing-api-version" };
}
