import { describe, expect, it } from "vitest";
import { clientErrorAnswer, requestLineOf } from "../../../src/pipeline/client-error.js";

describe("clientErrorAnswer", () => {
  it.each([
    ["ERR_HTTP_REQUEST_TIMEOUT", 408, "RequestTimeout"],
    ["HPE_HEADER_OVERFLOW", 431, "HeadersTooLarge"],
    ["HPE_INVALID_METHOD", 400, "InvalidRequest"],
    ["HPE_INVALID_HEADER_TOKEN", 400, "InvalidRequest"],
    [undefined, 400, "InvalidRequest"],
  ])("answers %s with %i %s", (code, status, name) => {
    const err = clientErrorAnswer(code);
    expect(err?.statusCode).toBe(status);
    expect(err?.code).toBe(name);
    expect(err?.toBody().error.type).toBe("invalid_request_error");
  });

  it("answers nothing to a client that reset the connection", () => {
    expect(clientErrorAnswer("ECONNRESET")).toBeUndefined();
  });
});

describe("requestLineOf", () => {
  it("reads the method and target of a well-formed request line, nothing else", () => {
    const raw = Buffer.from("GET /openai/models?x=1 HTTP/1.1\r\napi-key: secret\r\n\r\n");
    expect(requestLineOf(raw)).toEqual({ method: "GET", url: "/openai/models?x=1" });
  });

  it.each([
    ["garbage", Buffer.from("THIS IS NOT HTTP\r\n\r\n")],
    ["a header chunk", Buffer.from("x-padding: aaaa\r\n")],
    ["a lower-case method", Buffer.from("get / HTTP/1.1\r\n")],
    ["no buffer", undefined],
  ])("gives up on %s", (_name, raw) => {
    expect(requestLineOf(raw)).toBeUndefined();
  });
});
