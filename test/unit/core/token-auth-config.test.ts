import { describe, expect, it } from "vitest";
import { looksLikeJwt } from "../../../src/pipeline/identify-tenant/token.js";
import { compileText, configProblems } from "../../helpers/config.js";

const APP_A = "11111111-2222-3333-4444-555555555555";
const APP_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const TOKEN_AUTH = `tokenAuth:
  issuers:
    - issuer: https://login.microsoftonline.com/0f0e0d0c-0b0a-0908-0706-050403020100/v2.0
      audience: api://aoai-policy-gateway
`;

const config = (tenants: string, extra = TOKEN_AUTH) =>
  `upstreams:\n  - { name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }\ntenants:\n${tenants}\n${extra}`;

const compile = (text: string) => compileText(text);
const problemsOf = (text: string) => configProblems(() => compileText(text));

describe("tokenAuth and appIds", () => {
  it("compiles issuers with their defaults and maps app ids (lower-cased) to agencies", () => {
    const c = compile(
      config(`  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    appIds: ["${APP_A.toUpperCase()}"]
  - id: evidence-cloud
    agencyType: commercial
    jurisdiction: US
    customers:
      - { id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, appIds: ["${APP_B}"] }`),
    );
    expect(c.tokenAuth).toEqual({
      issuers: [
        {
          issuer: "https://login.microsoftonline.com/0f0e0d0c-0b0a-0908-0706-050403020100/v2.0",
          audiences: ["api://aoai-policy-gateway"],
          jwksUri: null,
          clockToleranceSeconds: 60,
        },
      ],
      keysCooldownMs: 30_000,
      keysMaxAgeMs: 600_000,
    });
    expect(c.apps.get(APP_A)).toEqual({ tenantId: "metro-pd" });
    expect(c.apps.get(APP_B)).toEqual({ tenantId: "evidence-cloud", customerId: "city-pd" });
  });

  it("refuses an app id listed twice, naming both places", () => {
    const problems = problemsOf(
      config(`  - { id: metro-pd, agencyType: law-enforcement, jurisdiction: US-NY, appIds: ["${APP_A}"] }
  - id: evidence-cloud
    agencyType: commercial
    jurisdiction: US
    customers:
      - { id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, appIds: ["${APP_A.toUpperCase()}"] }`),
    );
    expect(problems).toEqual([
      `/tenants/1/customers/0/appIds/0: app id \`${APP_A.toUpperCase()}\` is already used by tenant \`metro-pd\` (/tenants/0/appIds/0): an app identifies one agency`,
    ]);
  });

  it("refuses app ids when no issuer is trusted, and an app id that is not a GUID", () => {
    expect(
      problemsOf(
        config(
          `  - { id: metro-pd, agencyType: law-enforcement, jurisdiction: US-NY, appIds: ["${APP_A}"] }`,
          "",
        ),
      ),
    ).toEqual([
      "/tokenAuth: tenants list `appIds` but no token issuer is trusted: add `tokenAuth.issuers`",
    ]);
    const bad = problemsOf(
      config(
        `  - { id: metro-pd, agencyType: law-enforcement, jurisdiction: US-NY, appIds: ["metro-app"] }`,
      ),
    );
    expect(bad.join("\n")).toContain("/tenants/0/appIds/0");
  });
});

describe("looksLikeJwt", () => {
  it.each([
    ["eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln", true],
    ["eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", true],
    ["test-key-metro-pd", false],
    ["sk-abc.def.ghi", false],
    ["eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0", false],
  ])("%s → %s", (value, expected) => {
    expect(looksLikeJwt(value)).toBe(expected);
  });
});
