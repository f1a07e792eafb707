/**
 * The default policy pack against docs/policy.md's table: named scenarios first, then the
 * whole cross product of the facts the rules read, checked against an oracle written from the
 * table, with the invariant that no combination falls to the anonymous default deny.
 */
import { describe, expect, it } from "vitest";
import {
  CAMERA_SOURCES,
  CAPTURES,
  ENVIRONMENTS,
  OPERATIONS,
  type Purpose,
} from "../../../src/pipeline/classify-request/facts.js";
import type { AgencyType } from "../../../src/pipeline/identify-tenant/agency.js";
import {
  type AgencySpec,
  agency,
  defaultPack,
  type FactsSpec,
  facts,
  ids,
  mobilityOf,
} from "./helpers.js";

const R1 = "us-law-enforcement-no-facial-recognition";
const R1B = "law-enforcement-tenant-on-behalf-no-facial-recognition";
const R2 = "law-enforcement-no-live-recognition-on-mobile-cameras";
const R3 = "law-enforcement-recognition-requires-known-capture";
const R3B = "law-enforcement-live-recognition-requires-controlled-fixed-camera";
const R4 = "non-us-law-enforcement-recognition-fixed-controlled-or-recorded";
const R5 = "no-live-identification-without-consent";
const R5P = "non-law-enforcement-facial-recognition";
const R6 = "no-facial-recognition";

const FID: Purpose[] = ["facial-identification"];
const FVER: Purpose[] = ["facial-verification"];

interface Scenario {
  name: string;
  who: AgencySpec;
  what: FactsSpec;
  decision: "allow" | "deny";
  policies: string[];
}

const US_PD: AgencySpec = { agencyType: "law-enforcement", country: "US", subdivision: "US-NY" };
const UK_PD: AgencySpec = { agencyType: "law-enforcement", country: "GB" };
const SHOP: AgencySpec = { agencyType: "commercial", country: "DE" };
const SHOP_CONSENT: AgencySpec = { ...SHOP, consentAttested: true };

const scenarios: Scenario[] = [
  // Rule 1: US law enforcement, any camera.
  {
    name: "rule 1: US police identify a face in a recorded upload",
    who: US_PD,
    what: { purposes: FID, capture: "recorded", source: "upload" },
    decision: "deny",
    policies: [R1],
  },
  {
    name: "rule 1: US police verify a face from a fixed camera in a controlled room",
    who: US_PD,
    what: { purposes: FVER, capture: "recorded", source: "fixed", environment: "controlled" },
    decision: "deny",
    policies: [R1],
  },
  {
    name: "rule 1 and 2: US police, live body-worn identification",
    who: US_PD,
    what: { purposes: FID, capture: "live", source: "body-worn", environment: "uncontrolled" },
    decision: "deny",
    policies: [R1, R2],
  },
  {
    name: "rule 1: a vendor acting for a US police customer is judged as that police department",
    who: { ...US_PD, id: "city-pd", vendorType: "commercial" },
    what: { purposes: FID, capture: "recorded", source: "upload" },
    decision: "deny",
    policies: [R1],
  },
  {
    name: "rule 1: consent attestation does not lift the US police ban",
    who: { ...US_PD, consentAttested: true },
    what: { purposes: FVER, capture: "recorded" },
    decision: "deny",
    policies: [R1],
  },
  {
    name: "rule 1: recognition asked in text alone, no image, is still refused",
    who: US_PD,
    what: { purposes: FID, images: 0, capture: "unknown" },
    decision: "deny",
    policies: [R1],
  },
  // Rule 2: any law enforcement, live + mobile.
  {
    name: "rule 2: UK police, live dashcam identification",
    who: UK_PD,
    what: { purposes: FID, capture: "live", source: "dashcam", environment: "uncontrolled" },
    decision: "deny",
    policies: [R2],
  },
  {
    name: "rule 2: UK police, live drone verification, even in a 'controlled' environment",
    who: UK_PD,
    what: { purposes: FVER, capture: "live", source: "drone", environment: "controlled" },
    decision: "deny",
    policies: [R2],
  },
  {
    name: "rule 2: a vendor acting for a French police customer, live handheld",
    who: { agencyType: "law-enforcement", country: "FR", vendorType: "commercial" },
    what: { purposes: FID, capture: "live", source: "handheld" },
    decision: "deny",
    policies: [R2],
  },
  // Rule 3: exemption cannot be shown.
  {
    name: "rule 3: UK police, capture unknown",
    who: UK_PD,
    what: { purposes: FID, capture: "unknown", source: "upload" },
    decision: "deny",
    policies: [R3],
  },
  {
    name: "rule 3: UK police, capture unknown even from a fixed camera in a controlled room",
    who: UK_PD,
    what: { purposes: FID, capture: "unknown", source: "fixed", environment: "controlled" },
    decision: "deny",
    policies: [R3],
  },
  {
    name: "rule 3: UK police, live from a camera of unknown mobility",
    who: UK_PD,
    what: { purposes: FVER, capture: "live", source: "unknown" },
    decision: "deny",
    policies: [R3],
  },
  {
    name: "rule 3: UK police, live from an upload (mobility unknown)",
    who: UK_PD,
    what: { purposes: FID, capture: "live", source: "upload", environment: "controlled" },
    decision: "deny",
    policies: [R3],
  },
  // Rule 4: permitted outside the US.
  {
    name: "rule 4: UK police, recorded body-worn footage",
    who: UK_PD,
    what: { purposes: FID, capture: "recorded", source: "body-worn", environment: "uncontrolled" },
    decision: "allow",
    policies: [R4],
  },
  {
    name: "rule 4: UK police, recorded upload of unknown origin",
    who: UK_PD,
    what: { purposes: FID, capture: "recorded", source: "upload" },
    decision: "allow",
    policies: [R4],
  },
  {
    name: "rule 4: UK police, live from a fixed camera in a controlled environment",
    who: UK_PD,
    what: { purposes: FID, capture: "live", source: "fixed", environment: "controlled" },
    decision: "allow",
    policies: [R4],
  },
  {
    name: "rule 4: a vendor acting for a German police customer, recorded",
    who: { agencyType: "law-enforcement", country: "DE", vendorType: "commercial" },
    what: { purposes: FVER, capture: "recorded", source: "dashcam" },
    decision: "allow",
    policies: [R4],
  },
  // Edge: live, static, not controlled.
  {
    name: "edge: UK police, live street CCTV (fixed, uncontrolled)",
    who: UK_PD,
    what: { purposes: FID, capture: "live", source: "fixed", environment: "uncontrolled" },
    decision: "deny",
    policies: [R3B],
  },
  {
    name: "edge: UK police, live fixed camera, environment unknown",
    who: UK_PD,
    what: { purposes: FID, capture: "live", source: "fixed", environment: "unknown" },
    decision: "deny",
    policies: [R3B],
  },
  // Law-enforcement tenant acting on behalf of a customer.
  {
    name: "a police tenant acting for a commercial customer stays law enforcement",
    who: { ...SHOP_CONSENT, vendorType: "law-enforcement" },
    what: { purposes: FID, capture: "recorded" },
    decision: "deny",
    policies: [R1B],
  },
  // Rule 5 and the non-LE permit.
  {
    name: "rule 5: a shop without consent identifies people live",
    who: SHOP,
    what: { purposes: FID, capture: "live", source: "fixed", environment: "controlled" },
    decision: "deny",
    policies: [R5],
  },
  {
    name: "rule 5: a hospital (via a vendor) without consent identifies people live",
    who: { agencyType: "healthcare", country: "US", vendorType: "commercial" },
    what: { purposes: FID, capture: "live", source: "handheld" },
    decision: "deny",
    policies: [R5],
  },
  {
    name: "rule 5 does not cover verification: a bank verifies a live selfie without consent",
    who: SHOP,
    what: { purposes: FVER, capture: "live", source: "handheld" },
    decision: "allow",
    policies: [R5P],
  },
  {
    name: "rule 5: a door-access company with attested consent identifies people live",
    who: SHOP_CONSENT,
    what: { purposes: FID, capture: "live", source: "fixed", environment: "controlled" },
    decision: "allow",
    policies: [R5P],
  },
  {
    name: "non-LE: identification in a recorded photo archive without consent",
    who: { agencyType: "research", country: "US" },
    what: { purposes: FID, capture: "recorded", source: "upload" },
    decision: "allow",
    policies: [R5P],
  },
  {
    name: "non-LE: identification with capture unknown is not treated as live (rule 5 needs live)",
    who: SHOP,
    what: { purposes: FID, capture: "unknown", source: "unknown" },
    decision: "allow",
    policies: [R5P],
  },
  // Rule 6.
  {
    name: "rule 6: US police describe a scene from live body-worn video",
    who: US_PD,
    what: { purposes: ["scene-description"], capture: "live", source: "body-worn" },
    decision: "allow",
    policies: [R6],
  },
  {
    name: "rule 6: US police blur faces for redaction",
    who: US_PD,
    what: { purposes: ["face-detection"], capture: "recorded", source: "body-worn" },
    decision: "allow",
    policies: [R6],
  },
  {
    name: "rule 6: UK police read a number plate (text extraction), capture unknown",
    who: UK_PD,
    what: { purposes: ["text-extraction"] },
    decision: "allow",
    policies: [R6],
  },
  {
    name: "rule 6: a request with no purpose and no image (embeddings)",
    who: US_PD,
    what: { operation: "embeddings", images: 0, purposes: [] },
    decision: "allow",
    policies: [R6],
  },
];

describe("default pack: docs/policy.md scenarios", () => {
  const engine = defaultPack();
  it.each(scenarios)("$name", ({ who, what, decision, policies }) => {
    const d = engine.evaluate({ agency: agency(who), facts: facts(what) });
    expect(d.errors).toEqual([]);
    expect(d.decision).toBe(decision);
    expect(ids(d.policies)).toEqual([...policies].sort());
  });
});

/** The table, written independently of the Cedar text. */
function oracle(c: Case): { decision: "allow" | "deny"; policies: string[] } {
  const recognition = c.purposes.some(
    (p) => p === "facial-identification" || p === "facial-verification",
  );
  if (!recognition) return { decision: "allow", policies: [R6] };
  const le = c.agencyType === "law-enforcement";
  const tenantLe = c.tenantType === "law-enforcement";
  const us = c.country === "US";
  const mobility = mobilityOf(c.source);
  const forbids: string[] = [];
  if (le && us) forbids.push(R1);
  if (tenantLe && !le) forbids.push(R1B);
  if (le && c.capture === "live" && mobility === "mobile") forbids.push(R2);
  if (le && !us && (c.capture === "unknown" || (c.capture === "live" && mobility === "unknown")))
    forbids.push(R3);
  const fixedControlled = c.source === "fixed" && c.environment === "controlled";
  if (le && !us && c.capture === "live" && mobility === "static" && !fixedControlled)
    forbids.push(R3B);
  if (!le && !c.consent && c.purposes.includes("facial-identification") && c.capture === "live")
    forbids.push(R5);
  if (forbids.length > 0) return { decision: "deny", policies: forbids.sort() };
  if (le && !us && (fixedControlled || c.capture === "recorded"))
    return { decision: "allow", policies: [R4] };
  if (!le && !tenantLe) return { decision: "allow", policies: [R5P] };
  return { decision: "deny", policies: ["default-deny"] };
}

interface Case {
  agencyType: AgencyType;
  tenantType: AgencyType;
  country: string;
  purposes: Purpose[];
  capture: (typeof CAPTURES)[number];
  source: (typeof CAMERA_SOURCES)[number];
  environment: (typeof ENVIRONMENTS)[number];
  consent: boolean;
  images: number;
}

function* cases(): Generator<Case> {
  const whos: { agencyType: AgencyType; tenantType: AgencyType }[] = [
    { agencyType: "law-enforcement", tenantType: "law-enforcement" },
    { agencyType: "law-enforcement", tenantType: "commercial" }, // vendor acting for police
    { agencyType: "public-safety", tenantType: "public-safety" },
    { agencyType: "healthcare", tenantType: "commercial" }, // vendor acting for a hospital
    { agencyType: "commercial", tenantType: "commercial" },
    { agencyType: "commercial", tenantType: "law-enforcement" }, // police acting for a customer
  ];
  const purposeSets: Purpose[][] = [
    [],
    ["face-detection", "scene-description"],
    ["facial-identification"],
    ["facial-verification"],
    ["text-extraction", "facial-identification"],
  ];
  for (const who of whos)
    for (const country of ["US", "GB"])
      for (const purposes of purposeSets)
        for (const capture of CAPTURES)
          for (const source of CAMERA_SOURCES)
            for (const environment of ENVIRONMENTS)
              for (const consent of [false, true])
                yield {
                  ...who,
                  country,
                  purposes,
                  capture,
                  source,
                  environment,
                  consent,
                  images: 1,
                };
}

describe("default pack: full truth table of rules 1-6", () => {
  it("matches the table and its invariants for every combination, never the default deny", () => {
    const engine = defaultPack();
    const mismatches: string[] = [];
    const violations: string[] = [];
    const counts = new Map<string, number>();
    let n = 0;
    for (const c of cases()) {
      n++;
      const vendor = c.agencyType !== c.tenantType;
      const d = engine.evaluate({
        agency: agency({
          id: `${c.agencyType}-${c.country}`,
          agencyType: c.agencyType,
          country: c.country,
          consentAttested: c.consent,
          ...(vendor ? { vendorType: c.tenantType } : {}),
        }),
        facts: facts({
          purposes: c.purposes,
          capture: c.capture,
          source: c.source,
          environment: c.environment,
          images: c.images,
        }),
      });
      const want = oracle(c);
      const got = { decision: d.decision, policies: ids(d.policies) };
      if (d.errors.length > 0 || JSON.stringify(got) !== JSON.stringify(want))
        mismatches.push(
          `${JSON.stringify(c)}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`,
        );
      for (const p of got.policies) counts.set(p, (counts.get(p) ?? 0) + 1);
      // Invariants of the table, independent of the oracle above.
      const recognition =
        c.purposes.includes("facial-identification") || c.purposes.includes("facial-verification");
      const le = c.agencyType === "law-enforcement";
      const check = (ok: boolean, what: string) => {
        if (!ok) violations.push(`${what}: ${JSON.stringify(c)}`);
      };
      check(recognition || d.decision === "allow", "rule 6: no recognition is allowed");
      if (recognition && le && c.country === "US")
        check(got.policies.includes(R1), "rule 1: US law enforcement never gets recognition");
      if (recognition && le && c.capture === "live" && mobilityOf(c.source) === "mobile")
        check(got.policies.includes(R2), "rule 2: live + mobile is never allowed to police");
      if (recognition && le && c.capture === "unknown")
        check(d.decision === "deny", "unknown capture is never permissive for law enforcement");
      if (recognition && le && c.capture === "live" && c.environment !== "controlled")
        check(d.decision === "deny", "live recognition needs a controlled environment");
    }
    // Collected and asserted once (thousands of `expect` calls in one loop add nothing here).
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(violations.slice(0, 10)).toEqual([]);
    // Actions (with and without images) are covered by "default pack: actions" below.
    expect(n).toBe(6 * 2 * 5 * 3 * 7 * 3 * 2);
    // Every rule is exercised, and nothing is left to the anonymous default deny.
    for (const id of [R1, R1B, R2, R3, R3B, R4, R5, R5P, R6])
      expect(counts.get(id)).toBeGreaterThan(0);
    expect(counts.get("default-deny")).toBeUndefined();
  });
});

describe("default pack: actions", () => {
  it("judges recognition the same whatever the operation, with or without images", () => {
    const engine = defaultPack();
    for (const operation of OPERATIONS) {
      for (const images of [0, 1]) {
        const d = engine.evaluate({
          agency: agency(US_PD),
          facts: facts({ operation, images, purposes: FID, capture: "recorded" }),
        });
        expect(d.decision, `${operation} images=${images}`).toBe("deny");
        const ok = engine.evaluate({
          agency: agency(US_PD),
          facts: facts({ operation, images, purposes: ["scene-description"] }),
        });
        expect(ok.decision, `${operation} images=${images}`).toBe("allow");
      }
    }
  });

  it("compares jurisdiction codes case-insensitively", () => {
    const d = defaultPack().evaluate({
      agency: agency({ agencyType: "law-enforcement", country: "us" }),
      facts: facts({ purposes: FID, capture: "recorded" }),
    });
    expect(ids(d.policies)).toEqual([R1]);
  });
});
