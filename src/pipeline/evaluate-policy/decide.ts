/**
 * Stages 2 and 3 glued together: classify the request into facts, then evaluate the policy on
 * them. Records the decision and its cost on the request context and in the metrics.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { RequestMetrics } from "../../admin/request-metrics.js";
import type { RequestFacts } from "../classify-request/facts.js";
import { classifyRequest } from "../classify-request/index.js";
import type { RequestContext } from "../context.js";
import { addressesTheJudge } from "../judge-purpose/injection.js";
import type { PurposeJudge } from "../judge-purpose/judge.js";
import {
  type JudgeNeed,
  judgeNeed,
  settledConfidence,
  withJudgedConfidence,
} from "../judge-purpose/settle.js";
import { withContext, withUnknownContext } from "../own-objects/context-facts.js";
import { CONVERSATION_KINDS } from "../own-objects/ownership.js";
import type { RequestBody } from "../read-body/request-body.js";
import { type Judgement, judgeAs } from "./judge.js";

/**
 * Classifies the request and decides; throws coded 400s on invalid declarations or bodies.
 * Returns a promise only when admission is asynchronous.
 */
export function decideRequest(
  ctx: RequestContext,
  headers: IncomingHttpHeaders,
  body: RequestBody,
  metrics: RequestMetrics,
  admit?: (facts: RequestFacts) => RequestFacts | Promise<RequestFacts>,
): void | Promise<void> {
  const started = performance.now();
  const facts = classifyRequest(
    {
      route: ctx.route,
      headers,
      body,
      tenant: ctx.tenant!,
      agencyId: ctx.agency!.id,
      now: (ctx.generation.classifier.now ?? Date.now)(),
      whatIf: ctx.whatIf,
      contextImages: contextImagesOf(ctx),
    },
    ctx.generation.classifier,
  );
  const admitted = admit === undefined ? facts : admit(facts);
  if (admitted instanceof Promise) {
    return admitted.then((f) => decideOnFacts(ctx, f, metrics, started));
  }
  return decideOnFacts(ctx, admitted, metrics, started);
}

/** Images of the stored objects the request continues or uses. */
function contextImagesOf(ctx: RequestContext): number {
  let n = 0;
  for (const r of ctx.objects?.known ?? []) n += r.facts.images;
  return n;
}

function decideOnFacts(
  ctx: RequestContext,
  facts: RequestFacts,
  metrics: RequestMetrics,
  started: number,
): void | Promise<void> {
  const { generation } = ctx;
  const objects = ctx.objects;
  if (objects !== undefined) {
    const unknown = objects.external.find((r) => CONVERSATION_KINDS.has(r.kind));
    if (objects.known.length > 0) facts = withContext(facts, objects.known, unknown === undefined);
    if (unknown !== undefined) facts = withUnknownContext(facts, unknown.where);
  }
  ctx.facts = facts;
  // A tenant with customers that names none is judged as each of them (docs/api.md).
  const agencies = ctx.acting?.judgedAs ?? [ctx.agency!];
  const opts = { dryRun: generation.config.mode === "dry-run" };
  const judgeOn = (f: RequestFacts) => judgeAs(generation.policy, agencies, f, opts);
  const judgement = judgeOn(facts);
  ctx.decision = judgement.decision;
  ctx.decidedAs = judgement.decidedAs;
  const judge = generation.judge;
  if (judge !== undefined && facts.uncertainText !== undefined) {
    const decide = (f: RequestFacts) => judgeOn(f).decision;
    const need = judgeNeed(facts, judgement.decision, decide, judge.config);
    if (need !== undefined) {
      ctx.judge = { need };
      // What-if reports that the judge would be asked, and never asks it.
      if (!ctx.whatIf) {
        return askJudge(ctx, judge, need, facts, judgeOn, metrics).then(() =>
          finish(ctx, metrics, started),
        );
      }
    }
  }
  finish(ctx, metrics, started);
}

/** Asks the judge and, when its verdict settles the confidence, decides again on it. */
async function askJudge(
  ctx: RequestContext,
  judge: PurposeJudge,
  need: JudgeNeed,
  facts: RequestFacts,
  judgeOn: (facts: RequestFacts) => Judgement,
  metrics: RequestMetrics,
): Promise<void> {
  const outcome = await judge.ask(facts.uncertainText!, ctx.agency!.jurisdiction, ctx.decisionId);
  metrics.judge(need, outcome);
  const settled =
    outcome.verdict === undefined ? undefined : settledConfidence(need, outcome.verdict);
  // Text that talks to the judge is never cleared, whatever it answered.
  const applied =
    settled !== undefined && !(need === "clear" && addressesTheJudge(facts.uncertainText!));
  ctx.judge = { need, outcome, applied };
  if (!applied) return;
  const judged = withJudgedConfidence(facts, settled!);
  const judgement = judgeOn(judged);
  ctx.facts = judged;
  ctx.decision = judgement.decision;
  ctx.decidedAs = judgement.decidedAs;
}

function finish(ctx: RequestContext, metrics: RequestMetrics, started: number): void {
  const decision = ctx.decision!;
  ctx.policyMs = performance.now() - started;
  metrics.decision(
    ctx.tenant!.id,
    decision.decision,
    decision.policies,
    decision.memoHit,
    ctx.policyMs / 1000,
    ctx.whatIf,
  );
}
