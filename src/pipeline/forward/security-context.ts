/**
 * Azure's `user_security_context` (Defender for Cloud's AI threat protection, docs/api.md): where
 * a tenant's config enables it, chat completions calls carry the application (the tenant, or
 * `tenant/customer`), the client's address, the end user's Entra tenant only when the config
 * names it (`entraTenantId`, a GUID: never an agency id), and the client's own `end_user_id`.
 * Azure's reference defines the field on the chat completions request only (classic and v1
 * paths), so every other body is forwarded byte for byte. Pure: no Fastify.
 */
import type { Operation } from "../classify-request/facts.js";

const OPERATIONS_WITH_CONTEXT: ReadonlySet<Operation> = new Set(["chat.completions"]);

/** Longest `end_user_id` kept from the client (Entra object ids are 36 characters). */
const MAX_END_USER_ID = 256;

/** What goes into the security context. */
export interface SecurityContextInput {
  operation: Operation;
  tenantId: string;
  /** The customer the call acts for, when it acts for one. */
  customerId: string | undefined;
  /** The configured Entra tenant GUID of the customer (for its calls) or of the tenant. */
  entraTenantId: string | undefined;
  sourceIp: string;
}

/** The client's `user_security_context.end_user_id`, when it sent a usable one. */
function clientEndUserId(body: Record<string, unknown>): string | undefined {
  const sent = body.user_security_context;
  if (sent === null || typeof sent !== "object" || Array.isArray(sent)) return undefined;
  const id = (sent as Record<string, unknown>).end_user_id;
  return typeof id === "string" && id !== "" && id.length <= MAX_END_USER_ID ? id : undefined;
}

/** The `user_security_context` the gateway sends for a call (its fields in Azure's order). */
export function securityContext(
  body: Record<string, unknown>,
  input: SecurityContextInput,
): Record<string, string> {
  const context: Record<string, string> = {
    application_name:
      input.customerId === undefined ? input.tenantId : `${input.tenantId}/${input.customerId}`,
  };
  const endUserId = clientEndUserId(body);
  if (endUserId !== undefined) context.end_user_id = endUserId;
  if (input.entraTenantId !== undefined) context.end_user_tenant_id = input.entraTenantId;
  context.source_ip = input.sourceIp;
  return context;
}

/**
 * The body to forward with `user_security_context` set, or undefined when the call does not take
 * one (then the original bytes are forwarded unchanged).
 */
export function withSecurityContext(
  body: unknown,
  input: SecurityContextInput,
): Buffer | undefined {
  if (!OPERATIONS_WITH_CONTEXT.has(input.operation)) return undefined;
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const fields = body as Record<string, unknown>;
  const out = { ...fields, user_security_context: securityContext(fields, input) };
  return Buffer.from(JSON.stringify(out), "utf8");
}
