/**
 * Context across turns: a request that continues a response, conversation or thread, or uses a
 * stored file, is judged with the facts of what it continues. An image earlier in the
 * conversation is an image of this call, with its camera and capture; the purposes found then
 * still hold. Pure.
 */
import {
  type ImageInput,
  type RequestFacts,
  UNSEEN_MAY_HIDE_IMAGES,
  type UnseenKind,
} from "../classify-request/facts.js";
import type { StoredFacts } from "./store.js";

/** At most this many images of the context are listed one by one (the count is exact). */
const MAX_LISTED = 16;

/** What a request adds to the registry about an object it creates. */
export function storedFactsOf(facts: RequestFacts): StoredFacts {
  return {
    images: facts.images.count,
    origins: [...facts.images.origins],
    cameraSource: facts.camera.source,
    mobility: facts.camera.mobility,
    capture: facts.capture,
    purposes: [...facts.purposes],
  };
}

/** Two stored facts as one (a thread's facts after another message). */
export function mergeStoredFacts(a: StoredFacts, b: StoredFacts): StoredFacts {
  const live = a.capture === "live" || b.capture === "live";
  return {
    images: a.images + b.images,
    origins: [...new Set([...a.origins, ...b.origins])],
    cameraSource: a.cameraSource !== "unknown" ? a.cameraSource : b.cameraSource,
    mobility: a.mobility !== "unknown" ? a.mobility : b.mobility,
    capture: live ? "live" : a.capture !== "unknown" ? a.capture : b.capture,
    purposes: [...new Set([...a.purposes, ...b.purposes])],
  };
}

/**
 * `facts` with the context of `continued` (id and stored facts) joined in. `complete` says every
 * stored conversation the request names was found: only then is the `stored-context` it marked
 * unseen taken back, since its facts are now known.
 */
export function withContext(
  facts: RequestFacts,
  continued: readonly { id: string; facts: StoredFacts }[],
  complete: boolean,
): RequestFacts {
  if (continued.length === 0) return facts;
  const out: RequestFacts = {
    ...facts,
    images: { ...facts.images, origins: [...facts.images.origins], items: [...facts.images.items] },
    camera: { ...facts.camera, conflicts: [...facts.camera.conflicts] },
    purposes: [...facts.purposes],
    evidence: [...facts.evidence],
  };
  for (const { id, facts: stored } of continued) {
    for (let i = 0; i < stored.images; i++) {
      const origin = stored.origins[i % Math.max(1, stored.origins.length)] ?? "unseen";
      if (i < MAX_LISTED) {
        const item: ImageInput = { origin, format: "unknown", bytes: 0, where: `context:${id}` };
        out.images.items.push(item);
      }
      if (!out.images.origins.includes(origin)) out.images.origins.push(origin);
    }
    out.images.count += stored.images;
    if (out.camera.source === "unknown" && stored.cameraSource !== "unknown") {
      out.camera.source = stored.cameraSource;
      out.camera.mobility = stored.mobility;
      out.camera.origin = { ...out.camera.origin, source: "context" };
    }
    if (stored.capture === "live" && out.capture !== "live") {
      out.capture = "live";
      out.captureOrigin = "context";
    } else if (stored.capture === "recorded" && out.capture === "unknown") {
      out.capture = "recorded";
      out.captureOrigin = "context";
    }
    for (const p of stored.purposes) {
      if (!out.purposes.includes(p)) out.purposes.push(p);
      out.evidence.push({ purpose: p, rule: "context", where: `context:${id}` });
    }
  }
  if (complete && out.unseen.includes("stored-context")) {
    out.unseen = out.unseen.filter((u: UnseenKind) => u !== "stored-context");
    // The image of unknown origin stood for the conversation's; its facts are known now.
    if (!out.unseen.some((u) => UNSEEN_MAY_HIDE_IMAGES.has(u))) {
      const kept = out.images.items.filter((i) => i.origin !== "unseen");
      out.images.count -= out.images.items.length - kept.length;
      out.images.items = kept;
      out.images.origins = out.images.origins.filter((o) => o !== "unseen");
    }
  }
  return out;
}

/**
 * `facts` for a request that continues a conversation the gateway never saw (a tenant allowing
 * external objects): judged as if it carried an image of unknown origin, so "Name?" cannot
 * outlive the photo's record.
 */
export function withUnknownContext(facts: RequestFacts, where: string): RequestFacts {
  if (facts.unseen.includes("stored-context")) return facts;
  const item: ImageInput = { origin: "unseen", format: "unknown", bytes: 0, where };
  return {
    ...facts,
    images: {
      ...facts.images,
      count: facts.images.count + 1,
      origins: facts.images.origins.includes("unseen")
        ? facts.images.origins
        : [...facts.images.origins, "unseen"],
      items: [...facts.images.items, item],
    },
    unseen: [...facts.unseen, "stored-context"],
  };
}
