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
  models: "models",
};

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Classifies a data-plane path such as `/openai/deployments/gpt-4o/chat/completions`. */
export function routeOf(path: string): RouteInfo {
  const rest = path.startsWith("/openai/") ? path.slice("/openai/".length) : "";
  const trimmed = rest.replace(/\/+$/, "");
  if (trimmed.startsWith("deployments/")) {
    const afterDeployments = trimmed.slice("deployments/".length);
    const slash = afterDeployments.indexOf("/");
    const deployment = safeDecode(slash < 0 ? afterDeployments : afterDeployments.slice(0, slash));
    const sub = slash < 0 ? "" : afterDeployments.slice(slash + 1);
    return {
      operation: DEPLOYMENT_OPS[sub] ?? "other",
      deployment: deployment || null,
      family: "classic",
    };
  }
  const family = trimmed.startsWith("v1/") || trimmed === "v1" ? "v1" : "other";
  const sub = family === "v1" ? trimmed.slice(3) : trimmed;
  const direct = TOP_LEVEL_OPS[sub];
  if (direct !== undefined) return { operation: direct, deployment: null, family };
  const first = sub.split("/", 1)[0] ?? "";
  return { operation: FIRST_SEGMENT_OPS[first] ?? "other", deployment: null, family };
}
