/** Builders for policy tests: an agency, request facts, and the default pack from config/. */
import { fileURLToPath } from "node:url";
import type {
  CameraSource,
  Capture,
  Environment,
  Mobility,
  Operation,
  Purpose,
  RequestFacts,
} from "../../../src/pipeline/classify-request/facts.js";
import {
  compilePolicyEngine,
  loadPolicySources,
  type PolicyEngine,
  type PolicySources,
} from "../../../src/pipeline/evaluate-policy/index.js";
import type { Agency, AgencyType } from "../../../src/pipeline/identify-tenant/agency.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export function defaultPackSources(): PolicySources {
  return loadPolicySources(
    "policies/gateway.cedarschema",
    ["policies/*.cedar"],
    `${REPO_ROOT}config`,
  );
}

let defaultEngine: PolicyEngine | undefined;
export function defaultPack(): PolicyEngine {
  defaultEngine ??= compilePolicyEngine(defaultPackSources());
  return defaultEngine;
}

/** Mobility as the classifier derives it from the camera source (docs/request-reading.md). */
export function mobilityOf(source: CameraSource): Mobility {
  if (source === "fixed") return "static";
  if (source === "upload" || source === "unknown") return "unknown";
  return "mobile";
}

export interface AgencySpec {
  id?: string;
  agencyType?: AgencyType;
  country?: string;
  subdivision?: string;
  consentAttested?: boolean;
  /** When set, a tenant of this type acts on behalf of the agency described. */
  vendorType?: AgencyType;
}

export function agency(spec: AgencySpec = {}): Agency {
  const id = spec.id ?? "agency-1";
  const a: Agency = {
    id,
    tenantId: spec.vendorType ? "vendor-1" : id,
    agencyType: spec.agencyType ?? "commercial",
    jurisdiction: { country: spec.country ?? "GB" },
    consentAttested: spec.consentAttested ?? false,
    tenantAgencyType: spec.vendorType ?? spec.agencyType ?? "commercial",
  };
  if (spec.subdivision !== undefined) a.jurisdiction.subdivision = spec.subdivision;
  if (spec.vendorType) a.onBehalfOf = id;
  return a;
}

export interface FactsSpec {
  operation?: Operation;
  deployment?: string | null;
  stream?: boolean;
  images?: number;
  source?: CameraSource;
  mobility?: Mobility;
  environment?: Environment;
  capture?: Capture;
  purposes?: Purpose[];
  /** Defaults to `likely` when the purposes hold identification or verification, else `none`. */
  recognitionConfidence?: RequestFacts["recognitionConfidence"];
}

export function facts(spec: FactsSpec = {}): RequestFacts {
  const source = spec.source ?? "unknown";
  const images = spec.images ?? 1;
  return {
    operation: spec.operation ?? "chat.completions",
    deployment: spec.deployment === undefined ? "gpt-4o" : spec.deployment,
    stream: spec.stream ?? false,
    images: {
      count: images,
      bytes: images * 1000,
      origins: images > 0 ? ["inline"] : [],
      items: [],
    },
    camera: {
      source,
      mobility: spec.mobility ?? mobilityOf(source),
      environment: spec.environment ?? "unknown",
      origin: { source: "declared", environment: "declared" },
      conflicts: [],
    },
    capture: spec.capture ?? "unknown",
    captureOrigin: "declared",
    purposes: spec.purposes ?? [],
    evidence: [],
    unseen: [],
    recognitionConfidence:
      spec.recognitionConfidence ??
      ((spec.purposes ?? []).some(
        (p) => p === "facial-identification" || p === "facial-verification",
      )
        ? "likely"
        : "none"),
  };
}

export function ids(policies: readonly { id: string }[]): string[] {
  return policies.map((p) => p.id).sort();
}
