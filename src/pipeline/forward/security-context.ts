/**
 * Azure's `user_security_context` (Defender for Cloud's AI threat protection): where a tenant's
 * config enables it, chat and Responses calls carry the tenant as the application, the effective
 * agency as the end-user tenant and the client's address, replacing whatever the client sent.
 * Every other body is forwarded byte for byte.
 */
import type { Operation } from "../classify-request/facts.js";

const OPERATIONS_WITH_CONTEXT: ReadonlySet<Operation> = new Set(["chat.completions", "responses"]);

/** What goes into the security context. */
export interface SecurityContextInput {
  operation: Operation;
  tenantId: string;
  agencyId: string;
  sourceIp: string;
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
  const out = {
    ...(body as Record<string, unknown>),
    user_security_context: {
      application_name: input.tenantId,
      end_user_tenant_id: input.agencyId,
      source_ip: input.sourceIp,
    },
  };
  return Buffer.from(JSON.stringify(out), "utf8");
}
