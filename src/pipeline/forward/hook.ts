/**
 * Stage 4's route handler: refuse a denied call with its 403, otherwise take the reply over from
 * Fastify (`reply.hijack()`) and forward the body as read (the original bytes, decoded when it
 * came with a content coding, or with Azure's `user_security_context` set for tenants that enable
 * it).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { StageDeps } from "../data-plane.js";
import { HEAD_BYTES } from "../own-objects/created-id.js";
import { recordObjects } from "../own-objects/hook.js";
import { filterList } from "../own-objects/list-filter.js";
import { restoreBlobs } from "../read-body/large-json.js";
import { policyViolation } from "../respond.js";
import type { ProxyCall } from "./proxy.js";
import { withSecurityContext } from "./security-context.js";
import { forwardRequest } from "./stage.js";

/** Forwards an allowed call; throws the 403 of a denied one. */
export function forwardHandler(deps: StageDeps) {
  return (request: FastifyRequest, reply: FastifyReply) => forward(deps, request, reply);
}

async function forward(
  deps: StageDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const ctx = request.gw!;
  if (ctx.decision?.decision === "deny") throw policyViolation(ctx);
  let body = request.rawBody;
  const read = request.readBody;
  const tenant = ctx.tenant!;
  if (tenant.userSecurityContext && read?.kind === "json") {
    // A large body's base64 strings are placeholders until `restoreBlobs` puts them back.
    body =
      restoreBlobs(
        read.parsed,
        withSecurityContext(read.parsed, {
          operation: ctx.route.operation,
          tenantId: tenant.id,
          agencyId: ctx.agency!.id,
          sourceIp: request.ip,
        }),
      ) ?? body;
  }
  reply.hijack();
  const objects = ctx.objects;
  const answer: Pick<ProxyCall, "headBytes" | "rewrite"> = {};
  if (objects !== undefined) {
    answer.headBytes = HEAD_BYTES;
    if (objects.use.lists !== undefined) {
      answer.rewrite = (list) => filterList(list, objects.owner, deps.objects, Date.now());
    }
  }
  await forwardRequest(ctx, request, reply.raw, body, answer);
  if (objects !== undefined) recordObjects(deps, ctx, ctx.proxy?.head);
}
