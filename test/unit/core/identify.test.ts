import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { RuntimeConfig } from "../../../src/config/compile.js";
import { GatewayHttpError } from "../../../src/errors.js";
import { actingFor } from "../../../src/pipeline/identify-tenant/acting.js";
import {
  credentialHeaders,
  findKey,
  hashKey,
  presentedKey,
  TenantIdentifier,
} from "../../../src/pipeline/identify-tenant/identify.js";
import { compileText } from "../../helpers/config.js";

function config(defaultTenant: string | null = null): RuntimeConfig {
  const text = `upstreams:
  - { name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }
defaultTenant: ${defaultTenant ?? "null"}
tenants:
  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: ["${hashKey("metro-key")}", "${hashKey("metro-key-2")}"]
  - id: evidence-cloud
    agencyType: commercial
    jurisdiction: US
    keys: ["${hashKey("vendor-key")}"]
    customers:
      - { id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, keys: ["${hashKey("city-key")}"] }
      - { id: hospital-7, agencyType: healthcare, jurisdiction: US-CA }
`;
  return compileText(text, {}, "/gw.yaml");
}

/** A view of `cfg` that counts how often the key list is scanned. */
function counting(cfg: RuntimeConfig): { cfg: RuntimeConfig; scans: () => number } {
  let scans = 0;
  const view = Object.create(cfg, {
    keys: {
      get() {
        scans++;
        return cfg.keys;
      },
    },
  }) as RuntimeConfig;
  return { cfg: view, scans: () => scans };
}

function thrown(fn: () => unknown): GatewayHttpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayHttpError);
    return err as GatewayHttpError;
  }
  throw new Error("expected a GatewayHttpError");
}

describe("presentedKey", () => {
  it.each([
    ["api-key", { "api-key": "k1" }, "k1"],
    ["Bearer", { authorization: "Bearer k2" }, "k2"],
    ["lower-case bearer", { authorization: "bearer k3" }, "k3"],
    ["upper-case BEARER", { authorization: "BEARER k4" }, "k4"],
    ["mixed-case BeArEr", { authorization: "BeArEr k5" }, "k5"],
    ["a bearer token with surrounding spaces", { authorization: "Bearer   k6  " }, "k6"],
    ["the same key as api-key and Bearer", { "api-key": "k7", authorization: "Bearer k7" }, "k7"],
    ["Bearer when api-key is empty", { "api-key": "", authorization: "Bearer k8" }, "k8"],
    ["nothing", {}, undefined],
    ["an empty api-key", { "api-key": "" }, undefined],
    ["an empty Bearer", { authorization: "Bearer " }, undefined],
    ["a blank Bearer", { authorization: "Bearer     " }, undefined],
    ["the word Bearer alone", { authorization: "Bearer" }, undefined],
    ["a Basic credential", { authorization: "Basic dXNlcjpwYXNz" }, undefined],
    ["Bearer without a space", { authorization: "Bearerk9" }, undefined],
    ["a repeated api-key header with one value", { "api-key": ["a", "a"] }, "a"],
    ["a repeated api-key header, one empty", { "api-key": ["", "a"] }, "a"],
    ["two Bearer headers with one token", { authorization: ["Bearer a", "bearer a "] }, "a"],
    ["api-key beside a Basic credential", { "api-key": "k", authorization: "Basic eDp5" }, "k"],
  ] as const)("reads %s", (_what, headers, expected) => {
    expect(presentedKey(headers as Record<string, string | string[]>)).toBe(expected);
  });

  it.each([
    [
      "api-key and Bearer with different keys",
      { "api-key": "sk-one", authorization: "Bearer sk-two" },
    ],
    ["a repeated api-key header with different keys", { "api-key": ["sk-one", "sk-two"] }],
    [
      "two Bearer headers with different tokens",
      { authorization: ["Bearer sk-one", "Bearer sk-two"] },
    ],
    ["keys differing only in case", { "api-key": "sk-one", authorization: "Bearer SK-ONE" }],
  ])("refuses %s with a 401 naming both headers", (_what, headers) => {
    const err = thrown(() => presentedKey(headers));
    expect(err.code).toBe("GatewayAuthenticationFailed");
    expect(err.statusCode).toBe(401);
    expect(err.message).toContain("two different gateway keys");
    expect(err.message).toContain("`api-key`");
    expect(err.message).toContain("`Authorization: Bearer`");
    expect(err.message).not.toMatch(/sk-|SK-/); // never echoes a key
  });
});

describe("credentialHeaders", () => {
  it("keeps every api-key and Authorization value as sent, in any case, and nothing else", () => {
    expect(
      credentialHeaders([
        "Host",
        "gw",
        "API-Key",
        "a",
        "content-type",
        "application/json",
        "api-key",
        "b",
        "Authorization",
        "Bearer c",
        "authorization",
        "Bearer d",
        "x-api-key",
        "e",
      ]),
    ).toEqual({ "api-key": ["a", "b"], authorization: ["Bearer c", "Bearer d"] });
  });

  it("is empty without credentials", () => {
    expect(credentialHeaders(["host", "gw", "accept", "*/*"])).toEqual({});
  });
});

describe("hashKey", () => {
  it.each(["demo-metro-pd-key", "", "key with spaces and ünïcødé ✓", "a".repeat(1000)])(
    "matches sha256sum for %j",
    (key) => {
      const out = execFileSync("sha256sum", { input: Buffer.from(key, "utf8") }).toString();
      expect(hashKey(key)).toBe(`sha256:${out.split(" ")[0]}`);
      expect(hashKey(key)).toMatch(/^sha256:[0-9a-f]{64}$/);
    },
  );
});

describe("TenantIdentifier.identify", () => {
  it.each([
    [{ "api-key": "metro-key" }, "metro-pd"],
    [{ "api-key": "metro-key-2" }, "metro-pd"],
    [{ authorization: "Bearer vendor-key" }, "evidence-cloud"],
  ])("finds the tenant of %j", (headers, tenant) => {
    const cfg = config();
    const identity = new TenantIdentifier(cfg).identify(headers);
    expect(identity.tenant.id).toBe(tenant);
    expect(identity.customer).toBeUndefined();
    const key = Object.values(headers)[0]!.replace("Bearer ", "");
    expect(findKey(cfg, key)?.tenantId).toBe(tenant);
    // The key id is the start of the configured hash, never the key itself.
    expect(identity.keyId).toBe(hashKey(key).slice("sha256:".length, "sha256:".length + 12));
  });

  it("finds the tenant and the customer of a customer-scoped key", () => {
    const identity = new TenantIdentifier(config()).identify({ "api-key": "city-key" });
    expect(identity.tenant.id).toBe("evidence-cloud");
    expect(identity.customer).toMatchObject({
      id: "city-pd",
      onBehalfOf: "city-pd",
      agencyType: "law-enforcement",
      tenantId: "evidence-cloud",
    });
    expect(identity.keyId).toBe(hashKey("city-key").slice(7, 19));
  });

  it.each([
    ["an unknown key", { "api-key": "nope" }],
    ["a configured hash presented as the key", { "api-key": hashKey("metro-key") }],
    ["a key differing in case", { "api-key": "METRO-KEY" }],
    ["a missing key without defaultTenant", {}],
    ["two different known keys", { "api-key": "metro-key", authorization: "Bearer vendor-key" }],
  ])("rejects %s with a 401 GatewayAuthenticationFailed", (_what, headers) => {
    const err = thrown(() => new TenantIdentifier(config()).identify(headers));
    expect(err.code).toBe("GatewayAuthenticationFailed");
    expect(err.statusCode).toBe(401);
  });

  it("uses defaultTenant when no key is presented, but not for a wrong key", () => {
    const id = new TenantIdentifier(config("evidence-cloud"));
    expect(id.identify({}).tenant.id).toBe("evidence-cloud");
    expect(id.identify({}).keyId).toBeUndefined();
    expect(id.identify({ "api-key": "" }).tenant.id).toBe("evidence-cloud");
    expect(id.identify({ "api-key": "metro-key" }).tenant.id).toBe("metro-pd");
    expect(thrown(() => id.identify({ "api-key": "wrong" })).statusCode).toBe(401);
  });

  it("hashes a known key once, then answers from its cache", () => {
    const { cfg, scans } = counting(config());
    const id = new TenantIdentifier(cfg);
    for (let i = 0; i < 3; i++) {
      expect(id.identify({ "api-key": "metro-key" }).tenant.id).toBe("metro-pd");
    }
    expect(scans()).toBe(1);
  });

  it("never caches unknown keys", () => {
    const { cfg, scans } = counting(config());
    const id = new TenantIdentifier(cfg);
    for (let i = 0; i < 3; i++) thrown(() => id.identify({ "api-key": "attacker-guess" }));
    expect(scans()).toBe(3);
  });

  it("bounds the cache: beyond the limit it starts over", () => {
    const { cfg, scans } = counting(config());
    const id = new TenantIdentifier(cfg, 2);
    id.identify({ "api-key": "metro-key" });
    id.identify({ "api-key": "metro-key-2" });
    id.identify({ "api-key": "metro-key" });
    expect(scans()).toBe(2);
    id.identify({ "api-key": "vendor-key" }); // third key: the cache is full and is cleared
    id.identify({ "api-key": "metro-key" });
    expect(scans()).toBe(4);
  });
});

describe("actingFor", () => {
  const cfg = config();
  const vendor = { tenant: cfg.tenants.get("evidence-cloud")! };
  const metro = { tenant: cfg.tenants.get("metro-pd")! };
  const cityKey = { ...vendor, customer: vendor.tenant.customers.get("city-pd")! };

  it("is the tenant itself, judged as itself, for a tenant without customers", () => {
    const acting = actingFor(metro, undefined);
    expect(acting.agency).toBe(metro.tenant.agency);
    expect(acting.customerBy).toBeUndefined();
    expect(acting.judgedAs).toEqual([metro.tenant.agency]);
  });

  it("judges a tenant with customers that names none as itself and every customer", () => {
    const acting = actingFor(vendor, undefined);
    expect(acting.agency).toBe(vendor.tenant.agency);
    expect(acting.customerBy).toBe("undeclared");
    expect(acting.judgedAs.map((a) => a.id)).toEqual(["evidence-cloud", "city-pd", "hospital-7"]);
    expect(acting.judgedAs[1]).toBe(vendor.tenant.customers.get("city-pd"));
    expect(actingFor(vendor, undefined)).toBe(acting); // built once per tenant
  });

  it.each([
    ["city-pd", "city-pd", "law-enforcement"],
    [" hospital-7 ", "hospital-7", "healthcare"],
    [["city-pd"], "city-pd", "law-enforcement"],
  ])("is the customer named by %j, declared", (header, id, agencyType) => {
    const acting = actingFor(vendor, header);
    expect(acting.customerBy).toBe("declared");
    expect(acting.judgedAs).toEqual([acting.agency]);
    expect(acting.agency).toMatchObject({
      id,
      onBehalfOf: id,
      tenantId: "evidence-cloud",
      agencyType,
      tenantAgencyType: "commercial",
      jurisdiction: { country: "US", subdivision: "US-CA" },
    });
  });

  it.each([
    ["without the header", undefined],
    ["with the header naming the same customer", "city-pd"],
    ["with the header naming the same customer, padded", " city-pd "],
  ])("is the key's customer for a customer-scoped key %s", (_what, header) => {
    const acting = actingFor(cityKey, header);
    expect(acting.agency).toBe(cityKey.customer);
    expect(acting.customerBy).toBe("key");
    expect(acting.judgedAs).toEqual([cityKey.customer]);
  });

  it.each([
    ["another customer", "hospital-7"],
    ["an unknown customer", "police-dept"],
    ["an empty value", ""],
  ])("refuses a customer-scoped key whose header names %s", (_what, header) => {
    const err = thrown(() => actingFor(cityKey, header));
    expect(err.code).toBe("InvalidRequest");
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe("x-gateway-on-behalf-of");
    expect(err.message).toContain("customer `city-pd`");
    expect(err.message).toContain(`\`${header}\``);
  });

  it.each([
    ["an unknown customer", vendor, "police-dept", "city-pd, hospital-7"],
    ["an empty value", vendor, "", "city-pd"],
    ["another tenant's id", vendor, "metro-pd", "city-pd"],
    ["a tenant without customers", metro, "city-pd", "(tenant has no customers)"],
  ])("rejects %s with a 400 naming the header", (_what, identity, header, listed) => {
    const err = thrown(() => actingFor(identity, header));
    expect(err.code).toBe("InvalidRequest");
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe("x-gateway-on-behalf-of");
    expect(err.message).toContain("`x-gateway-on-behalf-of`");
    expect(err.message).toContain(`\`${header}\``);
    expect(err.message).toContain(listed);
  });
});
