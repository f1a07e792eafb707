import { describe, expect, it } from "vitest";
import {
  type CameraInputs,
  mobilityOf,
  resolveCamera,
} from "../../../src/pipeline/classify-request/camera.js";
import {
  CAMERA_SOURCES,
  type CameraSource,
  type Environment,
  type FactOrigin,
} from "../../../src/pipeline/classify-request/facts.js";

const none: CameraInputs = {
  declaredSource: undefined,
  declaredEnvironment: undefined,
  declaredAllowed: true,
  tenantSource: undefined,
  tenantEnvironment: undefined,
  exif: [],
};

const bodyCam = { make: "Axon", model: "Body 4", source: "body-worn" as const };
const cctv = { make: "Hikvision", model: "DS-2CD", source: "fixed" as const };
const phone = { make: "Apple", model: "iPhone 15" }; // not in the catalogue

interface SourceCase {
  name: string;
  input: Partial<CameraInputs>;
  source: CameraSource;
  origin: FactOrigin;
  conflict: boolean;
}

describe("resolveCamera: camera source under the trust rule", () => {
  it.each<SourceCase>([
    { name: "nothing known", input: {}, source: "unknown", origin: "none", conflict: false },
    {
      name: "EXIF body-worn, nothing declared",
      input: { exif: [bodyCam] },
      source: "body-worn",
      origin: "exif",
      conflict: false,
    },
    {
      name: "EXIF body-worn vs declared fixed: the inference stays",
      input: { exif: [bodyCam], declaredSource: "fixed" },
      source: "body-worn",
      origin: "exif",
      conflict: true,
    },
    {
      name: "EXIF body-worn vs declared upload: the inference stays",
      input: { exif: [bodyCam], declaredSource: "upload" },
      source: "body-worn",
      origin: "exif",
      conflict: true,
    },
    {
      name: "EXIF fixed vs declared body-worn: the declaration adds a restriction",
      input: { exif: [cctv], declaredSource: "body-worn" },
      source: "body-worn",
      origin: "declared",
      conflict: true,
    },
    {
      name: "EXIF fixed vs declared unknown: the declaration adds a restriction",
      input: { exif: [cctv], declaredSource: "unknown" },
      source: "unknown",
      origin: "declared",
      conflict: true,
    },
    {
      name: "EXIF and declaration agree",
      input: { exif: [cctv], declaredSource: "fixed" },
      source: "fixed",
      origin: "exif",
      conflict: false,
    },
    {
      name: "EXIF overrides the tenant default even when declaring is denied",
      input: { exif: [cctv], tenantSource: "body-worn", declaredAllowed: false },
      source: "fixed",
      origin: "exif",
      conflict: false,
    },
    {
      name: "images from a fixed and a body-worn camera: the most restrictive",
      input: { exif: [cctv, bodyCam] },
      source: "body-worn",
      origin: "exif",
      conflict: true,
    },
    {
      name: "EXIF without a catalogue verdict falls back to the declaration",
      input: { exif: [phone], declaredSource: "handheld" },
      source: "handheld",
      origin: "declared",
      conflict: false,
    },
    {
      name: "tenant default alone",
      input: { tenantSource: "body-worn" },
      source: "body-worn",
      origin: "tenant-default",
      conflict: false,
    },
    {
      name: "declaration alone",
      input: { declaredSource: "drone" },
      source: "drone",
      origin: "declared",
      conflict: false,
    },
    {
      name: "declared allow: the declaration replaces the tenant default",
      input: { tenantSource: "body-worn", declaredSource: "fixed", declaredAllowed: true },
      source: "fixed",
      origin: "declared",
      conflict: false,
    },
    {
      name: "declared deny: a less restrictive declaration loses to the tenant default",
      input: { tenantSource: "body-worn", declaredSource: "fixed", declaredAllowed: false },
      source: "body-worn",
      origin: "tenant-default",
      conflict: true,
    },
    {
      name: "declared deny: a more restrictive declaration wins over the tenant default",
      input: { tenantSource: "fixed", declaredSource: "dashcam", declaredAllowed: false },
      source: "dashcam",
      origin: "declared",
      conflict: true,
    },
    {
      name: "declared deny: an agreeing declaration is no conflict",
      input: { tenantSource: "fixed", declaredSource: "fixed", declaredAllowed: false },
      source: "fixed",
      origin: "tenant-default",
      conflict: false,
    },
  ])("$name", ({ input, source, origin, conflict }) => {
    const facts = resolveCamera({ ...none, ...input });
    expect(facts.source).toBe(source);
    expect(facts.mobility).toBe(mobilityOf(source));
    expect(facts.origin.source).toBe(origin);
    if (conflict) {
      expect(facts.conflicts).toHaveLength(1);
      expect(facts.conflicts[0]).toMatch(/^camera source: /);
    } else expect(facts.conflicts).toEqual([]);
  });

  // BUG: with `camera: { declared: deny }` and no tenant default, a declaration is taken at face
  // value: `fixed` (rank 0) replaces `unknown` (rank 2), so a tenant forbidden to declare its camera
  // can still relax it into rule 4's fixed-camera exemption. The code's own comment says "a
  // forbidden one can only restrict"; here it does the opposite. The environment has the same gap.
  it("declared deny without a tenant default: a declaration cannot relax `unknown`", () => {
    const facts = resolveCamera({
      ...none,
      declaredAllowed: false,
      declaredSource: "fixed",
      declaredEnvironment: "controlled",
    });
    expect(facts.source).toBe("unknown");
    expect(facts.environment).toBe("unknown");
  });

  it("records both sides of a conflict and how each was known", () => {
    const facts = resolveCamera({ ...none, exif: [bodyCam], declaredSource: "fixed" });
    expect(facts.conflicts).toEqual(["camera source: exif `body-worn` vs declared `fixed`"]);
  });

  it("reports the EXIF make and model of the first image that has them", () => {
    const facts = resolveCamera({ ...none, exif: [{}, { model: "X1" }, bodyCam] });
    expect(facts.exif).toEqual({ model: "X1" });
    expect(resolveCamera(none).exif).toBeUndefined();
    expect(resolveCamera({ ...none, exif: [phone] }).exif).toEqual(phone);
  });

  it("no declared source can make an inferred mobile camera static", () => {
    for (const inferred of ["body-worn", "dashcam", "drone", "handheld"] as const) {
      for (const declared of CAMERA_SOURCES) {
        const facts = resolveCamera({
          ...none,
          exif: [{ source: inferred }],
          declaredSource: declared,
        });
        expect(facts.mobility, `${inferred} vs ${declared}`).toBe("mobile");
      }
    }
  });
});

interface EnvironmentCase {
  name: string;
  input: Partial<CameraInputs>;
  environment: Environment;
  origin: FactOrigin;
  conflict: boolean;
}

describe("resolveCamera: environment", () => {
  it.each<EnvironmentCase>([
    { name: "nothing known", input: {}, environment: "unknown", origin: "none", conflict: false },
    {
      name: "tenant default",
      input: { tenantEnvironment: "controlled" },
      environment: "controlled",
      origin: "tenant-default",
      conflict: false,
    },
    {
      name: "declaration",
      input: { declaredEnvironment: "uncontrolled" },
      environment: "uncontrolled",
      origin: "declared",
      conflict: false,
    },
    {
      name: "declared allow: the declaration replaces the default",
      input: { tenantEnvironment: "uncontrolled", declaredEnvironment: "controlled" },
      environment: "controlled",
      origin: "declared",
      conflict: false,
    },
    {
      name: "declared deny: `controlled` cannot relax an `uncontrolled` default",
      input: {
        tenantEnvironment: "uncontrolled",
        declaredEnvironment: "controlled",
        declaredAllowed: false,
      },
      environment: "uncontrolled",
      origin: "tenant-default",
      conflict: true,
    },
    {
      name: "declared deny: `unknown` is stricter than a `controlled` default",
      input: {
        tenantEnvironment: "controlled",
        declaredEnvironment: "unknown",
        declaredAllowed: false,
      },
      environment: "unknown",
      origin: "declared",
      conflict: true,
    },
  ])("$name", ({ input, environment, origin, conflict }) => {
    const facts = resolveCamera({ ...none, ...input });
    expect(facts.environment).toBe(environment);
    expect(facts.origin.environment).toBe(origin);
    expect(facts.conflicts.filter((c) => c.startsWith("environment: "))).toHaveLength(
      conflict ? 1 : 0,
    );
  });

  it("records source and environment conflicts together", () => {
    const facts = resolveCamera({
      ...none,
      declaredAllowed: false,
      tenantSource: "body-worn",
      tenantEnvironment: "uncontrolled",
      declaredSource: "fixed",
      declaredEnvironment: "controlled",
    });
    expect(facts).toMatchObject({
      source: "body-worn",
      mobility: "mobile",
      environment: "uncontrolled",
      origin: { source: "tenant-default", environment: "tenant-default" },
    });
    expect(facts.conflicts).toEqual([
      "camera source: tenant-default `body-worn` vs declared `fixed`",
      "environment: tenant-default `uncontrolled` vs declared `controlled`",
    ]);
  });
});

describe("mobilityOf", () => {
  it.each<[CameraSource, string]>([
    ["body-worn", "mobile"],
    ["dashcam", "mobile"],
    ["drone", "mobile"],
    ["handheld", "mobile"],
    ["fixed", "static"],
    ["upload", "unknown"],
    ["unknown", "unknown"],
  ])("%s is %s", (source, mobility) => {
    expect(mobilityOf(source)).toBe(mobility);
  });
});
