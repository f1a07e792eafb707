import { describe, expect, it } from "vitest";
import { type RouteInfo, routeOf } from "../../../src/pipeline/classify-request/operation.js";

const classic = (operation: RouteInfo["operation"], deployment: string | null): RouteInfo => ({
  operation,
  deployment,
  family: "classic",
});
const v1 = (operation: RouteInfo["operation"]): RouteInfo => ({
  operation,
  deployment: null,
  family: "v1",
});
const other = (operation: RouteInfo["operation"]): RouteInfo => ({
  operation,
  deployment: null,
  family: "other",
});

describe("routeOf", () => {
  it.each<[string, RouteInfo]>([
    // Classic deployments paths (docs/api.md).
    ["/openai/deployments/gpt-4o/chat/completions", classic("chat.completions", "gpt-4o")],
    ["/openai/deployments/gpt-4o/chat/completions/", classic("chat.completions", "gpt-4o")],
    [
      "/openai/deployments/gpt-4o/extensions/chat/completions",
      classic("chat.completions", "gpt-4o"),
    ],
    ["/openai/deployments/davinci/completions", classic("completions", "davinci")],
    ["/openai/deployments/ada-002/embeddings", classic("embeddings", "ada-002")],
    ["/openai/deployments/dall-e-3/images/generations", classic("images.generations", "dall-e-3")],
    ["/openai/deployments/gpt-image-1/images/edits", classic("images.edits", "gpt-image-1")],
    ["/openai/deployments/dall-e-2/images/variations", classic("images.variations", "dall-e-2")],
    [
      "/openai/deployments/whisper/audio/transcriptions",
      classic("audio.transcriptions", "whisper"),
    ],
    ["/openai/deployments/whisper/audio/translations", classic("audio.translations", "whisper")],
    ["/openai/deployments/tts/audio/speech", classic("audio.speech", "tts")],
    ["/openai/deployments/gpt-4o-rt/realtime", classic("realtime", "gpt-4o-rt")],
    // Url-encoded deployment names are decoded; malformed escapes are kept as they are.
    // Unknown sub-paths of a deployment are `other`, with the deployment still known.
    ["/openai/deployments/gpt-4o/unknown/thing", classic("other", "gpt-4o")],
    ["/openai/deployments/gpt-4o/chat", classic("other", "gpt-4o")],
    ["/openai/deployments/gpt-4o", classic("other", "gpt-4o")],
    ["/openai/deployments/gpt-4o/chat/completions/extra", classic("other", "gpt-4o")],
    ["/openai/deployments", other("other")],
    // Responses, files, batches, assistants/threads, realtime, models.
    ["/openai/responses", other("responses")],
    ["/openai/responses/resp_123", other("responses")],
    ["/openai/responses/resp_123/input_items", other("responses")],
    ["/openai/files", other("files")],
    ["/openai/files/file-abc/content", other("files")],
    ["/openai/uploads/up-1/parts", other("files")],
    ["/openai/batches", other("batches")],
    ["/openai/batches/batch_1/cancel", other("batches")],
    ["/openai/assistants", other("assistants")],
    ["/openai/assistants/asst_1", other("assistants")],
    ["/openai/threads", other("assistants")],
    ["/openai/threads/thread_1/messages", other("assistants")],
    ["/openai/threads/thread_1/runs/run_1/submit_tool_outputs", other("assistants")],
    ["/openai/vector_stores/vs_1/files", other("assistants")],
    ["/openai/realtime", other("realtime")],
    ["/openai/models", other("models")],
    ["/openai/models/gpt-4o", other("models")],
    // The v1 path: the deployment is in the body's `model`.
    ["/openai/v1/chat/completions", v1("chat.completions")],
    ["/openai/v1/completions", v1("completions")],
    ["/openai/v1/embeddings", v1("embeddings")],
    ["/openai/v1/images/generations", v1("images.generations")],
    ["/openai/v1/images/edits", v1("images.edits")],
    ["/openai/v1/audio/transcriptions", v1("audio.transcriptions")],
    ["/openai/v1/audio/translations", v1("audio.translations")],
    ["/openai/v1/audio/speech", v1("audio.speech")],
    ["/openai/v1/responses", v1("responses")],
    ["/openai/v1/responses/resp_123", v1("responses")],
    ["/openai/v1/responses/resp_123/cancel", v1("responses")],
    ["/openai/v1/files", v1("files")],
    ["/openai/v1/batches", v1("batches")],
    ["/openai/v1/threads/t/runs", v1("assistants")],
    ["/openai/v1/realtime", v1("realtime")],
    ["/openai/v1/models", v1("models")],
    ["/openai/v1/", v1("other")],
    ["/openai/v1/unknown/thing", v1("other")],
    ["/openai/v1/chat", v1("other")],
    // Unknown sub-paths are `other`, to be forwarded as they are.
    ["/openai/unknown", other("other")],
    ["/openai/chat/completions", other("chat.completions")],
    ["/openai/", other("other")],
    ["/openai", other("other")],
    ["/other/openai/chat/completions", other("other")],
    ["/openai/v10/chat/completions", other("other")],
  ])("%s", (path, expected) => {
    expect(routeOf(path)).toEqual(expected);
  });
});

describe("routeOf: non-canonical paths are refused, never forwarded as `other`", () => {
  it.each<[string, string]>([
    ["/openai/deployments/gpt-4o/chat%2Fcompletions", "percent-encoded"],
    ["/openai/deployments/gpt%2D4o/embeddings", "percent-encoded"],
    ["/openai/deployments/my%20model/chat/completions", "percent-encoded"],
    ["/openai/deployments/gpt-4o//chat/completions", "empty path segment"],
    ["/openai/deployments/gpt-4o/./chat/completions", "dot segment"],
    ["/openai/deployments/gpt-4o/../gpt-4o/chat/completions", "dot segment"],
    ["/openai/deployments/../../admin", "dot segment"],
    ["/openai/v1//chat/completions", "empty path segment"],
    ["/openai/deployments/gpt\\4o/chat/completions", "characters outside"],
    ["/openai/deployments/-gpt/chat/completions", "deployment name"],
    ["/openai/deployments/a.b:c/chat/completions", "characters outside"],
    ["/openai/files;a/file-1/content", "characters outside"],
    ["/openai/deployments/-gpt4/embeddings", "deployment name"],
  ])("%s", (path, problem) => {
    expect(routeOf(path).problem).toContain(problem);
  });

  it.each([
    ["/openai/deployments/gpt-4o/Chat/Completions", "chat.completions"],
    ["/openai/V1/RESPONSES", "responses"],
    ["/openai/deployments/gpt-4o/chat/completions/", "chat.completions"],
  ])("matches %s without regard to case or a trailing slash", (path, operation) => {
    const route = routeOf(path);
    expect(route.operation).toBe(operation);
    expect(route.problem).toBeUndefined();
  });
});

describe("routeOf's cache", () => {
  it("answers a path seen before with the same frozen route, and every path as when first seen", () => {
    const path = "/openai/deployments/gpt-4o/chat/completions";
    const first = routeOf(path);
    expect(Object.isFrozen(first)).toBe(true);
    expect(routeOf(path)).toBe(first);
    // Past the cache's size it is emptied, and answers stay the same.
    for (let i = 0; i < 2_100; i++) {
      expect(routeOf(`/openai/deployments/d${i}/embeddings`)).toEqual({
        operation: "embeddings",
        deployment: `d${i}`,
        family: "classic",
      });
    }
    expect(routeOf(path)).toEqual(first);
    const long = `/openai/files/${"a".repeat(300)}`;
    expect(routeOf(long)).toEqual(routeOf(long));
    expect(routeOf(`${path}%2F`).problem).toBe("percent-encoded characters in the path");
  });
});
