/**
 * Config for attribution (issue 13): named keys, `entraTenantId`, `listen.trustedProxies` and
 * `audit.endUser`, each accepted and compiled, or refused with the path named.
 */
import { describe, expect, it } from "vitest";
import { compileText, configProblems } from "../../helpers/config.js";

const HASH_A = `sha256:${"a".repeat(64)}`;
const HASH_B = `sha256:${"b".repeat(64)}`;
const GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

function yaml(tenants: string, extra = ""): string {
  return `upstreams:
  - name: primary
    endpoint: simulator
    auth: { type: api-key, apiKey: "" }
tenants:
${tenants}
${extra}`;
}

const compile = (text: string) => compileText(text);
const problemsOf = (text: string) => configProblems(() => compileText(text));

describe("named keys", () => {
  it("names a key by its id, and an unnamed one by its hash prefix", () => {
    const c = compile(
      yaml(`  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: [{ id: cad-2026, hash: "${HASH_A}" }, "${HASH_B}"]`),
    );
    expect(c.keys.map((k) => k.keyId)).toEqual(["cad-2026", "b".repeat(12)]);
  });

  it("refuses one key id used twice, naming where", () => {
    const problems = problemsOf(
      yaml(`  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: [{ id: app, hash: "${HASH_A}" }]
    customers:
      - { id: city, agencyType: police, jurisdiction: US }`),
    );
    expect(problems.join("\n")).toMatch(/customers\/0\/agencyType/);
    const dup = problemsOf(
      yaml(`  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: [{ id: app, hash: "${HASH_A}" }, { id: app, hash: "${HASH_B}" }]`),
    );
    expect(dup).toEqual(["/tenants/0/keys/1/id: key id `app` already used at /tenants/0/keys/0"]);
  });

  it("refuses a key object without its hash", () => {
    expect(
      problemsOf(
        yaml(`  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: [{ id: app }]`),
      ).join("\n"),
    ).toMatch(/\/tenants\/0\/keys\/0/);
  });
});

describe("entraTenantId", () => {
  it("compiles the tenant's and its customers' Entra tenant ids", () => {
    const c = compile(
      yaml(`  - id: vendor
    agencyType: commercial
    jurisdiction: US
    entraTenantId: ${GUID}
    keys: ["${HASH_A}"]
    customers:
      - { id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, entraTenantId: "${GUID.replace("72", "00")}" }
      - { id: clinic, agencyType: healthcare, jurisdiction: US-CA }`),
    );
    const t = c.tenants.get("vendor")!;
    expect(t.entraTenantIds.tenant).toBe(GUID);
    expect([...t.entraTenantIds.customers]).toEqual([["city-pd", GUID.replace("72", "00")]]);
  });

  it("refuses an agency id where a GUID belongs", () => {
    expect(
      problemsOf(
        yaml(`  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    entraTenantId: metro-pd
    keys: ["${HASH_A}"]`),
      ).join("\n"),
    ).toMatch(/\/tenants\/0\/entraTenantId/);
  });
});

describe("listen.trustedProxies and audit.endUser", () => {
  const tenant = `  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: ["${HASH_A}"]`;

  it("defaults to no trusted proxy and hashed end users", () => {
    const c = compile(yaml(tenant));
    expect(c.listen.trustedProxies).toEqual([]);
    expect(c.audit.endUser.mode).toBe("hash");
    expect(c.audit.endUser.secret.length).toBeGreaterThanOrEqual(16);
  });

  it("accepts addresses and CIDR ranges of both families", () => {
    const c = compile(
      yaml(
        tenant,
        `listen: { host: 0.0.0.0, trustedProxies: [10.0.0.0/8, 192.168.1.7, "fd00::/8", "::1"] }
audit: { endUser: plain }`,
      ),
    );
    expect(c.listen.trustedProxies).toEqual(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"]);
    expect(c.audit.endUser.mode).toBe("plain");
  });

  it.each([["ingress.local"], ["10.0.0.0/33"], ["10.0.0/8"], ["fd00::/129"]])(
    "refuses %s as a trusted proxy",
    (bad) => {
      expect(
        problemsOf(yaml(tenant, `listen: { host: 0.0.0.0, trustedProxies: ["${bad}"] }`)),
      ).toEqual([`/listen/trustedProxies/0: \`${bad}\` is not an IP address or CIDR range`]);
    },
  );

  it("refuses an unknown end-user mode and a short HMAC key", () => {
    expect(problemsOf(yaml(tenant, "audit: { endUser: clear }")).join("\n")).toMatch(
      /\/audit\/endUser/,
    );
    expect(problemsOf(yaml(tenant, "audit: { endUserSecret: short }")).join("\n")).toMatch(
      /\/audit\/endUserSecret/,
    );
  });
});
