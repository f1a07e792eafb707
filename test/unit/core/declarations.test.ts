import { describe, expect, it } from "vitest";
import { GatewayHttpError } from "../../../src/errors.js";
import {
  type Declarations,
  readDeclarations,
} from "../../../src/pipeline/classify-request/declarations.js";
import {
  CAMERA_SOURCES,
  CAPTURES,
  ENVIRONMENTS,
  PURPOSES,
} from "../../../src/pipeline/classify-request/facts.js";

type Headers = Record<string, string | string[] | undefined>;

function rejection(headers: Headers): GatewayHttpError {
  try {
    readDeclarations(headers);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayHttpError);
    return err as GatewayHttpError;
  }
  throw new Error("expected a 400");
}

describe("readDeclarations: valid values", () => {
  it("declares nothing without headers", () => {
    expect(readDeclarations({})).toEqual({ purposes: [] });
  });

  it("ignores unrelated headers", () => {
    expect(readDeclarations({ "x-camera-source": "bogus", "x-gateway-other": "x" })).toEqual({
      purposes: [],
    });
  });

  it.each(CAMERA_SOURCES)("accepts camera source %s", (v) => {
    expect(readDeclarations({ "x-gateway-camera-source": v }).cameraSource).toBe(v);
  });
  it.each(ENVIRONMENTS)("accepts environment %s", (v) => {
    expect(readDeclarations({ "x-gateway-environment": v }).environment).toBe(v);
  });
  it.each(CAPTURES)("accepts capture %s", (v) => {
    expect(readDeclarations({ "x-gateway-capture": v }).capture).toBe(v);
  });
  it.each(PURPOSES)("accepts purpose %s", (v) => {
    expect(readDeclarations({ "x-gateway-purpose": v }).purposes).toEqual([v]);
  });

  it.each<[Headers, Declarations]>([
    [{ "x-gateway-camera-source": "Body-Worn" }, { cameraSource: "body-worn", purposes: [] }],
    [{ "x-gateway-camera-source": "  FIXED " }, { cameraSource: "fixed", purposes: [] }],
    [{ "x-gateway-environment": "Controlled" }, { environment: "controlled", purposes: [] }],
    [{ "x-gateway-capture": "LIVE" }, { capture: "live", purposes: [] }],
    [{ "x-gateway-purpose": "Facial-Identification" }, { purposes: ["facial-identification"] }],
  ])("is case-insensitive: %j", (headers, expected) => {
    expect(readDeclarations(headers)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ["facial-identification,text-extraction", ["facial-identification", "text-extraction"]],
    [" face-detection , scene-description ", ["face-detection", "scene-description"]],
    [
      "facial-identification, Facial-Identification,facial-identification",
      ["facial-identification"],
    ],
    ["text-extraction,,  ,face-analysis,", ["text-extraction", "face-analysis"]],
    [",", []],
    ["", []],
  ])("reads the purpose list %j", (value, purposes) => {
    expect(readDeclarations({ "x-gateway-purpose": value }).purposes).toEqual(purposes);
  });

  it("reads repeated purpose headers as one list", () => {
    expect(
      readDeclarations({ "x-gateway-purpose": ["text-extraction", "face-detection"] }).purposes,
    ).toEqual(["text-extraction", "face-detection"]);
  });

  it.each(["cam-01", "A", "rtsp://10.0.0.1/stream?id=4", "~!@#$%^&*()", "x".repeat(128)])(
    "accepts camera id %j",
    (id) => {
      expect(readDeclarations({ "x-gateway-camera-id": id }).cameraId).toBe(id);
    },
  );

  it("reads every declaration at once", () => {
    expect(
      readDeclarations({
        "x-gateway-camera-source": "drone",
        "x-gateway-environment": "uncontrolled",
        "x-gateway-capture": "recorded",
        "x-gateway-camera-id": "cam-9",
        "x-gateway-purpose": "person-description",
      }),
    ).toEqual({
      cameraSource: "drone",
      environment: "uncontrolled",
      capture: "recorded",
      cameraId: "cam-9",
      purposes: ["person-description"],
    });
  });
});

describe("readDeclarations: invalid values are a 400", () => {
  it.each<[string, Headers, string]>([
    ["an unknown camera source", { "x-gateway-camera-source": "car" }, "car"],
    ["an empty camera source", { "x-gateway-camera-source": "" }, ""],
    ["two camera sources", { "x-gateway-camera-source": ["fixed", "drone"] }, "fixed,drone"],
    ["a misspelt environment", { "x-gateway-environment": "controled" }, "controled"],
    ["an unknown capture", { "x-gateway-capture": "streaming" }, "streaming"],
    ["an unknown purpose", { "x-gateway-purpose": "weather" }, "weather"],
    ["one bad purpose in a list", { "x-gateway-purpose": "text-extraction, Weather " }, "Weather"],
    ["a camera id with a space", { "x-gateway-camera-id": "cam 01" }, "cam 01"],
    ["an empty camera id", { "x-gateway-camera-id": "  " }, ""],
    ["a camera id over 128 characters", { "x-gateway-camera-id": "x".repeat(129) }, "x".repeat(64)],
    ["a non-ASCII camera id", { "x-gateway-camera-id": "kamera-ü" }, "kamera-ü"],
    ["a camera id with a control character", { "x-gateway-camera-id": "cam\t1" }, "cam\t1"],
  ])("rejects %s", (_what, headers, shown) => {
    const err = rejection(headers);
    const header = Object.keys(headers)[0]!;
    expect(err.code).toBe("InvalidRequest");
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe(header);
    expect(err.message).toContain(`\`${header}\``);
    expect(err.message).toContain(`value \`${shown}`);
    expect(err.toBody().error.code).toBe("InvalidRequest");
  });

  it("lists the allowed values in the message", () => {
    const err = rejection({ "x-gateway-capture": "streaming" });
    for (const v of CAPTURES) expect(err.message).toContain(v);
  });

  it("rejects a bad header even when the others are valid", () => {
    const err = rejection({
      "x-gateway-camera-source": "fixed",
      "x-gateway-environment": "indoors",
    });
    expect(err.param).toBe("x-gateway-environment");
  });
});
