/** `user_security_context` as PRODUCT.md section 3 describes it (issue 13). */
import { describe, expect, it } from "vitest";
import {
  type SecurityContextInput,
  withSecurityContext,
} from "../../../src/pipeline/forward/security-context.js";

const base: SecurityContextInput = {
  operation: "chat.completions",
  tenantId: "evidence-cloud",
  customerId: undefined,
  entraTenantId: undefined,
  sourceIp: "203.0.113.9",
};
const sent = (body: unknown, input: Partial<SecurityContextInput> = {}) => {
  const out = withSecurityContext(body, { ...base, ...input });
  return out === undefined ? undefined : JSON.parse(out.toString("utf8"));
};

describe("withSecurityContext", () => {
  it("names the tenant as the application and sets the client's address", () => {
    expect(sent({ messages: [] }).user_security_context).toEqual({
      application_name: "evidence-cloud",
      source_ip: "203.0.113.9",
    });
  });

  it("names tenant/customer for a call made for a customer, with its Entra tenant", () => {
    const guid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    expect(
      sent({ messages: [] }, { customerId: "city-pd", entraTenantId: guid }).user_security_context,
    ).toEqual({
      application_name: "evidence-cloud/city-pd",
      end_user_tenant_id: guid,
      source_ip: "203.0.113.9",
    });
  });

  it("keeps the client's end_user_id and replaces what the gateway answers for", () => {
    const body = {
      messages: [],
      user_security_context: {
        application_name: "spoofed",
        end_user_id: "user-oid-1",
        end_user_tenant_id: "not-a-guid",
        source_ip: "10.9.9.9",
      },
    };
    expect(sent(body).user_security_context).toEqual({
      application_name: "evidence-cloud",
      end_user_id: "user-oid-1",
      source_ip: "203.0.113.9",
    });
  });

  it("drops an end_user_id that is not a short string", () => {
    for (const id of [42, "", "x".repeat(257), { a: 1 }]) {
      expect(
        sent({ user_security_context: { end_user_id: id } }).user_security_context,
      ).not.toHaveProperty("end_user_id");
    }
  });

  it.each(["responses", "embeddings", "completions", "images.generations"] as const)(
    "leaves a %s body untouched (Azure defines the field for chat only)",
    (operation) => {
      expect(withSecurityContext({ input: "x" }, { ...base, operation })).toBeUndefined();
    },
  );

  it("leaves a body that is not an object untouched", () => {
    expect(withSecurityContext([1, 2], base)).toBeUndefined();
    expect(withSecurityContext(null, base)).toBeUndefined();
  });
});
