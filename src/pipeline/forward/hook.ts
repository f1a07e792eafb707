/**
 * Stage 4's route handler: refuse a denied call with its 403, otherwise take the reply over from
 * Fastify (`reply.hijack()`) and forward the body as read (the original bytes, decoded when it
 * came with a content coding, or with Azure's `user_security_context` set for tenants that enable
 * it: chat completions only).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { StageDeps } from "../data-plane.js";
import type { OnAllowed } from "../evaluate-policy/hook.js";
import { HEAD_BYTES } from "../own-objects/created-id.js";
import { recordObjects } from "../own-objects/hook.js";
import { filterList, listedIds, parseList } from "../own-objects/list-filter.js";
import { lookupIn } from "../own-objects/ownership.js";
import type { ObjectOwner, ObjectRecord } from "../own-objects/store.js";
import { restoreBlobs } from "../read-body/large-json.js";
import { policyViolation } from "../respond.js";
import type { ProxyCall } from "./proxy.js";
import { withSecurityContext } from "./security-context.js";
import { forwardRequest } from "./stage.js";

/** Forwards an allowed call; throws the 403 of a denied one. */
export function forwardHandler(deps: StageDeps) {
  return (request: FastifyRequest, reply: FastifyReply) => forward(deps, request, reply);
}

/**
 * Forwards an allowed call from the end of the decide hook (`decideHook`'s `onAllowed`). An error
 * before the reply is taken over goes to `done`, so Fastify's error handler answers it as it
 * would from the handler; after that, `forwardRequest` answers its own errors, and one that still
 * escapes is logged (Fastify, with its logger off, dropped it silently).
 */
export function forwardAllowed(deps: StageDeps): OnAllowed {
  return (request, reply, done) => {
    forward(deps, request, reply).then(undefined, (err: Error) => {
      if (!reply.sent) done(err);
      else deps.log.error({ err, decisionId: request.gw?.decisionId }, "forwarding failed");
    });
  };
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
    const customerId = ctx.agency!.onBehalfOf;
    const entraTenantId =
      customerId === undefined
        ? tenant.entraTenantIds.tenant
        : tenant.entraTenantIds.customers.get(customerId);
    // A large body's base64 strings are placeholders until `restoreBlobs` puts them back.
    body =
      restoreBlobs(
        read.parsed,
        withSecurityContext(read.parsed, {
          operation: ctx.route.operation,
          tenantId: tenant.id,
          customerId,
          entraTenantId,
          sourceIp: ctx.client?.address ?? request.ip,
        }),
      ) ?? body;
  }
  reply.hijack();
  const objects = ctx.objects;
  const answer: Pick<ProxyCall, "headBytes" | "rewrite" | "beforeEnd"> = {};
  if (objects !== undefined) {
    answer.headBytes = HEAD_BYTES;
    if (objects.use.lists !== undefined) {
      answer.rewrite = (raw) => ownList(deps, raw, objects.owner);
    }
    // The proxy outcome is `ctx.proxy` once forwarding ends; `beforeEnd` runs just before.
    answer.beforeEnd = () => recordObjects(deps, ctx, ctx.proxy?.head);
  }
  await forwardRequest(ctx, request, reply.raw, body, answer);
}

/** A list answer filtered to `owner`'s items, their records read in one store call. */
function ownList(deps: StageDeps, raw: Buffer, owner: ObjectOwner): Buffer | Promise<Buffer> {
  const list = parseList(raw);
  const ids = listedIds(list);
  const filter = (records: readonly (ObjectRecord | undefined)[]) =>
    filterList(list, owner, lookupIn(ids, records));
  const records = deps.store.getObjects(ids, Date.now());
  // A store that cannot answer keeps nothing: an unread list could name other tenants' objects.
  if (records instanceof Promise) {
    return records.then(filter, () => {
      deps.metrics.storeErrors.inc({ op: "objects" });
      return filter([]);
    });
  }
  return filter(records);
}
