/**
 * The two realtime dialects: `preview` (`/openai/realtime?api-version=&deployment=`, the beta
 * protocol Azure's preview API versions speak) and `ga` (`/openai/v1/realtime?model=`, the
 * generally available protocol of the openai SDK's realtime types).
 */
export type DialectName = "preview" | "ga";

/** Where an upgrade landed. */
export type RealtimeTarget =
  | { readonly kind: "session"; readonly dialect: DialectName; readonly deployment: string }
  /** A realtime path without its deployment (preview) or model (v1): Azure's 400. */
  | { readonly kind: "missing"; readonly param: "deployment" | "model" }
  /** Any other path, or the preview path without `api-version`: Azure's 404. */
  | { readonly kind: "not-found" };

/** Matches an upgrade's URL to a realtime dialect, like the router does for HTTP paths. */
export function matchRealtimePath(url: URL): RealtimeTarget {
  const path = url.pathname.replace(/\/+$/, "");
  const query = url.searchParams;
  if (path === "/openai/realtime") {
    // Classic paths need api-version, as everywhere else in the simulator.
    if (!query.has("api-version")) return { kind: "not-found" };
    const deployment = query.get("deployment") ?? "";
    if (deployment === "") return { kind: "missing", param: "deployment" };
    return { kind: "session", dialect: "preview", deployment };
  }
  if (path === "/openai/v1/realtime") {
    const model = query.get("model") ?? "";
    if (model === "") return { kind: "missing", param: "model" };
    return { kind: "session", dialect: "ga", deployment: model };
  }
  return { kind: "not-found" };
}
