import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compileConfig, type RuntimeConfig } from "../../../src/config/compile.js";
import { parseConfig } from "../../../src/config/load.js";
import { GatewayHttpError } from "../../../src/errors.js";
import {
  effectiveAgency,
  findTenantByKey,
  hashKey,
  presentedKey,
  TenantIdentifier,
} from "../../../src/pipeline/identify-tenant/identify.js";

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
      - { id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA }
      - { id: hospital-7, agencyType: healthcare, jurisdiction: US-CA }
`;
  return compileConfig(parseConfig(text, "/gw.yaml", {}), "/gw.yaml");
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
    ["api-key over Bearer", { "api-key": "k7", authorization: "Bearer other" }, "k7"],
    ["Bearer when api-key is empty", { "api-key": "", authorization: "Bearer k8" }, "k8"],
    ["nothing", {}, undefined],
    ["an empty api-key", { "api-key": "" }, undefined],
    ["an empty Bearer", { authorization: "Bearer " }, undefined],
    ["a blank Bearer", { authorization: "Bearer     " }, undefined],
    ["the word Bearer alone", { authorization: "Bearer" }, undefined],
    ["a Basic credential", { authorization: "Basic dXNlcjpwYXNz" }, undefined],
    ["Bearer without a space", { authorization: "Bearerk9" }, undefined],
    ["a repeated api-key header", { "api-key": ["a", "b"] }, undefined],
  ] as const)("reads %s", (_what, headers, expected) => {
    expect(presentedKey(headers as Record<string, string | string[]>)).toBe(expected);
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
    expect(new TenantIdentifier(cfg).identify(headers).id).toBe(tenant);
    expect(findTenantByKey(cfg, Object.values(headers)[0]!.replace("Bearer ", ""))?.id).toBe(
      tenant,
    );
  });

  it.each([
    ["an unknown key", { "api-key": "nope" }],
    ["a configured hash presented as the key", { "api-key": hashKey("metro-key") }],
    ["a key differing in case", { "api-key": "METRO-KEY" }],
    ["a missing key without defaultTenant", {}],
  ])("rejects %s with a 401 GatewayAuthenticationFailed", (_what, headers) => {
    const err = thrown(() => new TenantIdentifier(config()).identify(headers));
    expect(err.code).toBe("GatewayAuthenticationFailed");
    expect(err.statusCode).toBe(401);
  });

  it("uses defaultTenant when no key is presented, but not for a wrong key", () => {
    const id = new TenantIdentifier(config("evidence-cloud"));
    expect(id.identify({}).id).toBe("evidence-cloud");
    expect(id.identify({ "api-key": "" }).id).toBe("evidence-cloud");
    expect(id.identify({ "api-key": "metro-key" }).id).toBe("metro-pd");
    expect(thrown(() => id.identify({ "api-key": "wrong" })).statusCode).toBe(401);
  });

  it("hashes a known key once, then answers from its cache", () => {
    const { cfg, scans } = counting(config());
    const id = new TenantIdentifier(cfg);
    for (let i = 0; i < 3; i++) expect(id.identify({ "api-key": "metro-key" }).id).toBe("metro-pd");
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

describe("effectiveAgency", () => {
  const cfg = config();
  const vendor = cfg.tenants.get("evidence-cloud")!;
  const metro = cfg.tenants.get("metro-pd")!;

  it("is the tenant itself without x-gateway-on-behalf-of", () => {
    expect(effectiveAgency(vendor, undefined)).toBe(vendor.agency);
    expect(vendor.agency.onBehalfOf).toBeUndefined();
  });

  it.each([
    ["city-pd", "city-pd", "law-enforcement"],
    [" hospital-7 ", "hospital-7", "healthcare"],
    [["city-pd"], "city-pd", "law-enforcement"],
  ])("is the customer named by %j", (header, id, agencyType) => {
    const agency = effectiveAgency(vendor, header);
    expect(agency).toMatchObject({
      id,
      onBehalfOf: id,
      tenantId: "evidence-cloud",
      agencyType,
      tenantAgencyType: "commercial",
      jurisdiction: { country: "US", subdivision: "US-CA" },
    });
  });

  it.each([
    ["an unknown customer", vendor, "police-dept", "city-pd, hospital-7"],
    ["an empty value", vendor, "", "city-pd"],
    ["another tenant's id", vendor, "metro-pd", "city-pd"],
    ["a tenant without customers", metro, "city-pd", "(tenant has no customers)"],
  ])("rejects %s with a 400 naming the header", (_what, tenant, header, listed) => {
    const err = thrown(() => effectiveAgency(tenant, header));
    expect(err.code).toBe("InvalidRequest");
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe("x-gateway-on-behalf-of");
    expect(err.message).toContain("`x-gateway-on-behalf-of`");
    expect(err.message).toContain(`\`${header}\``);
    expect(err.message).toContain(listed);
  });
});
