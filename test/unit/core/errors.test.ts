import { describe, expect, it } from "vitest";
import {
  ERROR_CODES,
  type ErrorCode,
  errors,
  GatewayHttpError,
  toGatewayError,
} from "../../../src/errors.js";

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe("ERROR_CODES", () => {
  it.each<[ErrorCode, number]>([
    ["InvalidRequest", 400],
    ["GatewayAuthenticationFailed", 401],
    ["PolicyViolation", 403],
    ["RequestTooLarge", 413],
    ["UpstreamUnavailable", 502],
    ["UpstreamTimeout", 504],
    ["GatewayError", 500],
  ])("maps %s to %i as docs/errors.md says", (code, status) => {
    expect(ERROR_CODES[code]).toBe(status);
  });

  it("only uses 4xx and 5xx statuses", () => {
    for (const code of codes) {
      expect(ERROR_CODES[code]).toBeGreaterThanOrEqual(400);
      expect(ERROR_CODES[code]).toBeLessThan(600);
    }
  });
});

describe("GatewayHttpError.toBody", () => {
  it.each(codes)("gives %s Azure's error shape", (code) => {
    const err = new GatewayHttpError(code, `something about ${code}`);
    expect(err.statusCode).toBe(ERROR_CODES[code]);
    const body = JSON.parse(JSON.stringify(err.toBody()));
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toEqual({
      code,
      message: `something about ${code}`,
      type: ERROR_CODES[code] >= 500 ? "gateway_error" : "invalid_request_error",
      param: null,
    });
  });

  it("carries param and innererror when given", () => {
    const innererror = {
      code: "GatewayPolicyViolation",
      decision_id: "d-1",
      policies: [{ id: "rule-1", reason: "no facial identification by US police" }],
    };
    const body = new GatewayHttpError("PolicyViolation", "denied", {
      param: "x-gateway-purpose",
      innererror,
    }).toBody();
    expect(body).toEqual({
      error: {
        code: "PolicyViolation",
        message: "denied",
        type: "invalid_request_error",
        param: "x-gateway-purpose",
        innererror,
      },
    });
  });

  it("keeps the cause and extra headers off the body", () => {
    const cause = new Error("ECONNRESET 10.0.0.5:443");
    const err = new GatewayHttpError("UpstreamUnavailable", "upstream unreachable", {
      cause,
      headers: { "retry-after": "1" },
    });
    expect(err.cause).toBe(cause);
    expect(err.headers).toEqual({ "retry-after": "1" });
    expect(JSON.stringify(err.toBody())).not.toContain("10.0.0.5");
    expect(JSON.stringify(err.toBody())).not.toContain("retry-after");
  });
});

describe("toGatewayError", () => {
  it("returns a coded error as it is", () => {
    const err = errors.tooLarge(1024);
    expect(toGatewayError(err)).toBe(err);
  });

  it.each<[string, unknown]>([
    ["an Error", new Error("password=hunter2 at db.internal:5432")],
    ["a TypeError", new TypeError("Cannot read properties of undefined (reading 'hunter2')")],
    ["a thrown string", "hunter2"],
    ["a thrown object", { message: "hunter2", stack: "at secret.ts:1" }],
    ["undefined", undefined],
  ])("hides %s behind an opaque 500", (_what, thrown) => {
    const err = toGatewayError(thrown);
    expect(err.code).toBe("GatewayError");
    expect(err.statusCode).toBe(500);
    expect(err.cause).toBe(thrown);
    const text = JSON.stringify(err.toBody());
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("secret.ts");
    expect(err.message).not.toContain("hunter2");
    expect(err.toBody().error.type).toBe("gateway_error");
  });
});

describe("errors", () => {
  it.each<[string, GatewayHttpError, ErrorCode]>([
    ["invalidJson", errors.invalidJson(new SyntaxError("x")), "InvalidRequest"],
    ["invalidBody", errors.invalidBody(new Error("x")), "InvalidRequest"],
    ["invalidHeader", errors.invalidHeader("x-gateway-capture", "v", ["live"]), "InvalidRequest"],
    ["unauthenticated", errors.unauthenticated(), "GatewayAuthenticationFailed"],
    ["tooLarge", errors.tooLarge(10), "RequestTooLarge"],
    ["upstreamUnavailable", errors.upstreamUnavailable("primary", null), "UpstreamUnavailable"],
    ["upstreamTimeout", errors.upstreamTimeout("primary", 5, null), "UpstreamTimeout"],
    ["notFound", errors.notFound("/nope"), "NotFound"],
  ])("%s is a %s", (_name, err, code) => {
    expect(err).toBeInstanceOf(GatewayHttpError);
    expect(err.code).toBe(code);
    expect(err.statusCode).toBe(ERROR_CODES[code]);
  });

  it("names the header in invalidHeader and cuts a long value", () => {
    const err = errors.invalidHeader("x-gateway-capture", "y".repeat(500), ["live", "recorded"]);
    expect(err.param).toBe("x-gateway-capture");
    expect(err.message).toBe(
      `invalid \`x-gateway-capture\` value \`${"y".repeat(64)}\`: expected one of live, recorded`,
    );
  });

  it("states the limit in tooLarge", () => {
    expect(errors.tooLarge(52_428_800).message).toContain("52428800 bytes");
  });
});
