/**
 * Request facts -> one Cedar request (principal, action, resource, context, entities) and the memo
 * key: the canonical tuple of exactly what a policy can see, so two requests with the same key
 * always get the same decision.
 */
import type { EntityJson } from "@cedar-policy/cedar-wasm/nodejs";
import type { Operation, RequestFacts } from "../classify-request/facts.js";
import type { Agency } from "../identify-tenant/agency.js";

/** One Cedar action per operation; exhaustive, so a new operation fails to compile until mapped. */
export const ACTION_OF_OPERATION: Readonly<Record<Operation, string>> = Object.freeze({
  "chat.completions": "chatCompletions",
  completions: "completions",
  responses: "responses",
  embeddings: "embeddings",
  "images.generations": "imagesGenerations",
  "images.edits": "imagesEdits",
  "images.variations": "imagesVariations",
  "audio.transcriptions": "audio",
  "audio.translations": "audio",
  "audio.speech": "audio",
  realtime: "realtime",
  files: "files",
  batches: "batches",
  assistants: "assistants",
  models: "models",
  other: "other",
});

/** The action of any request that carries image input, whatever its operation (section 5). */
export const ANALYZE_IMAGE_ACTION = "analyzeImage";

/** Every action the schema must declare. */
export const ALL_ACTIONS: readonly string[] = Object.freeze([
  ...new Set([...Object.values(ACTION_OF_OPERATION), ANALYZE_IMAGE_ACTION]),
]);

const RECOGNITION_PURPOSES = new Set(["facial-identification", "facial-verification"]);

export interface CedarRequest {
  principal: { type: "Agency"; id: string };
  action: { type: "Action"; id: string };
  resource: { type: "Deployment"; id: string };
  context: CedarContext;
  entities: EntityJson[];
  /** Canonical memo key. */
  key: string;
}

/** The context record; attribute names and order match `gateway.cedarschema`. */
export interface CedarContext {
  [name: string]: string | boolean | number | string[];
  operation: string;
  stream: boolean;
  imageCount: number;
  imageOrigins: string[];
  cameraSource: string;
  cameraMobility: string;
  environment: string;
  cameraSourceOrigin: string;
  environmentOrigin: string;
  capture: string;
  captureOrigin: string;
  purposes: string[];
  recognition: boolean;
  recognitionPossible: boolean;
  recognitionCertain: boolean;
  unseen: string[];
}

export function actionFor(facts: RequestFacts): string {
  return facts.images.count > 0 ? ANALYZE_IMAGE_ACTION : ACTION_OF_OPERATION[facts.operation];
}

function sortedDistinct(values: readonly string[]): string[] {
  return Array.from(new Set(values)).sort();
}

function hasRecognition(purposes: readonly string[]): boolean {
  for (const p of purposes) if (RECOGNITION_PURPOSES.has(p)) return true;
  return false;
}

/**
 * The memo key: exactly what the policies can see (principal attributes, action, resource,
 * context), as one string, built without the Cedar request so that a memo hit costs a few string
 * concatenations. Sets are sorted and deduplicated, so their order never splits the memo.
 */
export function decisionKey(agency: Agency, facts: RequestFacts): string {
  const origins = facts.images.origins;
  const purposes = facts.purposes;
  return (
    `${agency.id}\u0001${agency.agencyType}\u0001${agency.jurisdiction.country.toUpperCase()}` +
    `\u0001${(agency.jurisdiction.subdivision ?? "").toUpperCase()}\u0001${agency.consentAttested}` +
    `\u0001${agency.onBehalfOf !== undefined}\u0001${agency.tenantId}\u0001${agency.tenantAgencyType}` +
    `\u0001${actionFor(facts)}\u0001${facts.deployment ?? ""}\u0001${facts.operation}\u0001${facts.stream}` +
    `\u0001${facts.images.count}\u0001${origins.length < 2 ? origins.join(",") : sortedDistinct(origins).join(",")}` +
    `\u0001${facts.camera.source}\u0001${facts.camera.mobility}\u0001${facts.camera.environment}` +
    `\u0001${facts.camera.origin.source}\u0001${facts.camera.origin.environment}\u0001${facts.capture}` +
    `\u0001${facts.captureOrigin}\u0001${purposes.length < 2 ? purposes.join(",") : sortedDistinct(purposes).join(",")}` +
    `\u0001${facts.unseen.length < 2 ? facts.unseen.join(",") : sortedDistinct(facts.unseen).join(",")}` +
    `\u0001${facts.recognitionConfidence}`
  );
}

export function toCedarRequest(agency: Agency, facts: RequestFacts): CedarRequest {
  const purposes = sortedDistinct(facts.purposes);
  const context: CedarContext = {
    operation: facts.operation,
    stream: facts.stream,
    imageCount: facts.images.count,
    imageOrigins: sortedDistinct(facts.images.origins),
    cameraSource: facts.camera.source,
    cameraMobility: facts.camera.mobility,
    environment: facts.camera.environment,
    cameraSourceOrigin: facts.camera.origin.source,
    environmentOrigin: facts.camera.origin.environment,
    capture: facts.capture,
    captureOrigin: facts.captureOrigin,
    purposes,
    recognition: hasRecognition(purposes),
    // At least `possible`: what the absolute ban (rule 1) denies on; `recognition` implies it.
    recognitionPossible: hasRecognition(purposes) || facts.recognitionConfidence !== "none",
    recognitionCertain: facts.recognitionConfidence === "certain",
    unseen: sortedDistinct(facts.unseen),
  };
  // Jurisdiction codes are compared as upper case so that `us` in a config can never slip past
  // a policy testing `principal.country == "US"`.
  const attrs = {
    agencyType: agency.agencyType,
    country: agency.jurisdiction.country.toUpperCase(),
    subdivision: (agency.jurisdiction.subdivision ?? "").toUpperCase(),
    consentAttested: agency.consentAttested,
    actingForCustomer: agency.onBehalfOf !== undefined,
    tenantId: agency.tenantId,
    tenantAgencyType: agency.tenantAgencyType,
  };
  const action = actionFor(facts);
  const deployment = facts.deployment ?? "";
  const key = decisionKey(agency, facts);
  return {
    principal: { type: "Agency", id: agency.id },
    action: { type: "Action", id: action },
    resource: { type: "Deployment", id: deployment },
    context,
    entities: [
      { uid: { type: "Agency", id: agency.id }, attrs, parents: [] },
      { uid: { type: "Deployment", id: deployment }, attrs: {}, parents: [] },
    ],
    key,
  };
}
