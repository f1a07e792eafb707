/**
 * The what-if answer (`POST /_gateway/evaluate/<path>`, docs/api.md): the decision and the
 * facts it was made on, with nothing forwarded.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RequestContext } from "./context.js";
import type { CustomerBy } from "./identify-tenant/acting.js";
import { decisionHeaders } from "./respond.js";

/** The body of a what-if answer. */
export interface WhatIfAnswer {
  decision: "allow" | "deny" | "shadow-deny";
  decisionId: string;
  policies: { id: string; reason: string }[];
  facts: {
    operation: string;
    deployment: string | null;
    stream: boolean;
    images: { count: number; bytes: number; origins: string[]; items: unknown[] };
    camera: {
      source: string;
      mobility: string;
      environment: string;
      origin: unknown;
      exif?: unknown;
      conflicts: string[];
    };
    capture: string;
    captureOrigin: string;
    purposes: string[];
    evidence: unknown[];
    unseen: string[];
    recognitionConfidence: string;
  };
  /** The agency whose evaluation decided (for `undeclared`, the first that denied, else the tenant). */
  agency: { id: string; agencyType: string; jurisdiction: string; onBehalfOf?: string };
  /** How the customer was known (docs/api.md); absent for a tenant without customers. */
  customerBy?: CustomerBy;
  /** For `undeclared`: every agency the call was judged as, the tenant first. */
  judgedAs?: string[];
  mode: string;
  policyRevision: string | null;
  /**
   * Set when the decision depends on the judge (docs/classifier.md): what its verdict could
   * change and the upstream it would be asked on. What-if never asks it: the decision shown is
   * the local one.
   */
  judge?: { wouldAsk: string; upstream: string };
}

/** Builds the what-if answer from a classified and decided request. */
export function whatIfAnswer(ctx: RequestContext): WhatIfAnswer {
  const facts = ctx.facts!;
  const agency = ctx.decidedAs ?? ctx.agency!;
  const answer: WhatIfAnswer = {
    decision: ctx.decision?.decision ?? "allow",
    decisionId: ctx.decisionId,
    policies: (ctx.decision?.policies ?? []).map((p) => ({ id: p.id, reason: p.reason })),
    facts: {
      operation: facts.operation,
      deployment: facts.deployment,
      stream: facts.stream,
      images: facts.images,
      camera: facts.camera,
      capture: facts.capture,
      captureOrigin: facts.captureOrigin,
      purposes: facts.purposes,
      evidence: facts.evidence,
      unseen: facts.unseen,
      recognitionConfidence: facts.recognitionConfidence,
    },
    agency: {
      id: agency.id,
      agencyType: agency.agencyType,
      jurisdiction: agency.jurisdiction.subdivision ?? agency.jurisdiction.country,
    },
    mode: ctx.generation.config.mode,
    policyRevision: ctx.decision?.revision ?? null,
  };
  if (ctx.judge !== undefined && ctx.generation.judge !== undefined) {
    answer.judge = {
      wouldAsk: ctx.judge.need,
      upstream: ctx.generation.judge.upstreamFor(ctx.agency!.jurisdiction),
    };
  }
  const acting = ctx.acting;
  if (acting?.customerBy !== undefined) answer.customerBy = acting.customerBy;
  if (acting?.customerBy === "undeclared") answer.judgedAs = acting.judgedAs.map((a) => a.id);
  else if (agency.onBehalfOf !== undefined) answer.agency.onBehalfOf = agency.onBehalfOf;
  return answer;
}

/** The what-if route's handler: the answer, with the decision headers, and nothing forwarded. */
export async function whatIfHandler(request: FastifyRequest, reply: FastifyReply) {
  const ctx = request.gw!;
  reply.headers(decisionHeaders(ctx)).type("application/json");
  return whatIfAnswer(ctx);
}
