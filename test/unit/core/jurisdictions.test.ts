import { describe, expect, it } from "vitest";
import { jurisdictionProblem } from "../../../src/config/jurisdictions.js";
import { ConfigError } from "../../../src/config/load.js";
import { compileText } from "../../helpers/config.js";

const HASH = `sha256:${"a".repeat(64)}`;

function problemsOf(tenants: string, extra = ""): string[] {
  const text = `upstreams:\n  - { name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }\ntenants:\n${tenants}\n${extra}`;
  try {
    compileText(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe("jurisdictionProblem (ISO 3166 from the iso-3166 package)", () => {
  it.each(["US", "GB", "DE", "FR", "US-NY", "US-CA", "US-DC", "GB-ENG", "DE-BY", "FR-75C"])(
    "accepts the assigned code %s",
    (code) => {
      expect(jurisdictionProblem(code)).toBeNull();
    },
  );

  it.each([
    ["UK", /`UK` is not an ISO 3166-1 alpha-2 country code: `UK` is reserved .*use `GB`/],
    ["XX", /`XX` is not an ISO 3166-1 alpha-2 country code$/],
    ["US-XX", /`US-XX` is not an ISO 3166-2 subdivision of `US`/],
    ["US-BY", /`US-BY` is not an ISO 3166-2 subdivision of `US`/],
    ["UK-ENG", /`UK-ENG` is not an ISO 3166-1 alpha-2 country code/],
  ])("rejects %s", (code, message) => {
    expect(jurisdictionProblem(code)).toMatch(message);
  });
});

describe("compileConfig: jurisdictions", () => {
  it("names the path of a tenant's and a customer's unknown code", () => {
    const problems = problemsOf(
      `  - id: met
    agencyType: law-enforcement
    jurisdiction: UK
    keys: ["${HASH}"]
    customers:
      - { id: typo-pd, agencyType: law-enforcement, jurisdiction: US-XX }`,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^\/tenants\/0\/jurisdiction: `UK` is not an ISO 3166-1/),
      expect.stringMatching(
        /^\/tenants\/0\/customers\/0\/jurisdiction: `US-XX` is not an ISO 3166-2 subdivision/,
      ),
    ]);
  });

  it("checks the judge's byJurisdiction keys", () => {
    const problems = problemsOf(
      `  - { id: metro-pd, agencyType: law-enforcement, jurisdiction: US-NY, keys: ["${HASH}"] }`,
      `classification:
  judge: { upstream: primary, deployment: gpt-4o-mini, byJurisdiction: { UK: primary } }`,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^\/classification\/judge\/byJurisdiction\/UK: `UK` is not/),
    ]);
  });

  it("accepts assigned codes", () => {
    expect(
      problemsOf(
        `  - { id: metro-pd, agencyType: law-enforcement, jurisdiction: US-NY, keys: ["${HASH}"] }
  - { id: met, agencyType: law-enforcement, jurisdiction: GB, keys: ["sha256:${"b".repeat(64)}"] }`,
      ),
    ).toEqual([]);
  });
});
