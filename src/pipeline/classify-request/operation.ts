/**
 * Which Azure OpenAI operation a path is, and which deployment it names (docs/api.md).
 * Pure: the path is the request path without the query string, a doubled leading slash already
 * collapsed.
 */
import type { Operation } from "./facts.js";

/** What the path says about the call. */
export interface RouteInfo {
  operation: Operation;
  /** Deployment from the classic `/openai/deployments/{d}/...` path; v1 calls name it in `model`. */
  deployment: string | null;
  /** `classic` (deployments path with api-version), `v1` (`/openai/v1/...`) or `other`. */
  family: "classic" | "v1" | "other";
  /**
   * Why the path does not name exactly one operation and deployment (an encoded slash, a dot
   * segment, an empty segment, a deployment name Azure would not accept): answered 400, never
   * forwarded as `other`, since Azure might read it as a path the gateway did not judge.
   */
  problem?: string;
}

const DEPLOYMENT_OPS: Record<string, Operation> = {
  "chat/completions": "chat.completions",
  "extensions/chat/completions": "chat.completions",
  completions: "completions",
  embeddings: "embeddings",
  "images/generations": "images.generations",
  "images/edits": "images.edits",
  "images/variations": "images.variations",
  "audio/transcriptions": "audio.transcriptions",
  "audio/translations": "audio.translations",
  "audio/speech": "audio.speech",
  realtime: "realtime",
};

/** The same sub-paths without a deployment (v1 and top-level), except the deployment-only ones. */
const TOP_LEVEL_OPS: Record<string, Operation> = Object.fromEntries(
  Object.entries(DEPLOYMENT_OPS).filter(
    ([sub]) => sub !== "extensions/chat/completions" && sub !== "realtime",
  ),
);

const FIRST_SEGMENT_OPS: Record<string, Operation> = {
  responses: "responses",
  files: "files",
  uploads: "files",
  batches: "batches",
  assistants: "assistants",
  threads: "assistants",
  vector_stores: "assistants",
  realtime: "realtime",
  realtimeapi: "realtime",
  models: "models",
};

/** Azure's deployment names: letters, digits, `-`, `_` and `.`, at most 64 characters. */
const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/**
 * What a canonical Azure OpenAI path segment is made of: RFC 3986 unreserved characters only.
 * Sub-delimiters (`;`, `=`, `,`...) are refused: `files;x/{id}` would escape the ownership check
 * here while a hop that strips matrix parameters reads `files/{id}`.
 */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** Why a path is not canonical, or undefined when it is. */
function pathProblem(rest: string): string | undefined {
  if (rest.includes("%")) return "percent-encoded characters in the path";
  const segments = rest.replace(/\/+$/, "").split("/");
  for (const segment of segments) {
    if (segment === "") return "an empty path segment";
    if (segment === "." || segment === "..") return "a dot segment in the path";
    if (!SEGMENT.test(segment)) return "characters outside a URL path segment";
  }
  return undefined;
}

/** Paths remembered at most, and the longest remembered: a client cannot make the cache large. */
const MAX_ROUTES = 1_024;
const MAX_ROUTE_PATH = 256;
const routes = new Map<string, Readonly<RouteInfo>>();

/**
 * Classifies a data-plane path such as `/openai/deployments/gpt-4o/chat/completions`. The answer
 * is frozen and remembered per path: a client calls a few paths over and over, and classifying
 * one (a case fold, a split, a pattern test per segment) was about 1% of a text chat's profile
 * (docs/performance.md, "Issue 14, round three"). The cache is emptied when full.
 */
export function routeOf(path: string): Readonly<RouteInfo> {
  const known = routes.get(path);
  if (known !== undefined) return known;
  const route = Object.freeze(classifyPath(path));
  if (path.length <= MAX_ROUTE_PATH) {
    if (routes.size >= MAX_ROUTES) routes.clear();
    routes.set(path, route);
  }
  return route;
}

function classifyPath(path: string): RouteInfo {
  const rest = path.startsWith("/openai/") ? path.slice("/openai/".length) : "";
  const route = routeOfRest(rest);
  const problem = rest === "" ? undefined : pathProblem(rest);
  if (problem !== undefined) route.problem = problem;
  else if (route.deployment !== null && !DEPLOYMENT_NAME.test(route.deployment)) {
    route.problem = "a deployment name Azure does not accept";
  }
  return route;
}

/**
 * The operation of the path after `/openai/`. Sub-paths are matched without regard to case, as
 * Azure's front door routes them; the deployment keeps its case.
 */
function routeOfRest(rest: string): RouteInfo {
  const trimmed = rest.replace(/\/+$/, "");
  const lower = trimmed.toLowerCase();
  if (lower.startsWith("deployments/")) {
    const afterDeployments = trimmed.slice("deployments/".length);
    const slash = afterDeployments.indexOf("/");
    const deployment = slash < 0 ? afterDeployments : afterDeployments.slice(0, slash);
    const sub = slash < 0 ? "" : afterDeployments.slice(slash + 1).toLowerCase();
    return {
      operation: DEPLOYMENT_OPS[sub] ?? "other",
      deployment: deployment || null,
      family: "classic",
    };
  }
  const family = lower.startsWith("v1/") || lower === "v1" ? "v1" : "other";
  const sub = family === "v1" ? lower.slice(3) : lower;
  const direct = TOP_LEVEL_OPS[sub];
  if (direct !== undefined) return { operation: direct, deployment: null, family };
  const first = sub.split("/", 1)[0] ?? "";
  return { operation: FIRST_SEGMENT_OPS[first] ?? "other", deployment: null, family };
}
