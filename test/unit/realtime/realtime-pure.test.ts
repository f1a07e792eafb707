import { describe, expect, it } from "vitest";
import type { RequestFacts } from "../../../src/pipeline/classify-request/facts.js";
import {
  closeReason,
  codeTowardClient,
  codeTowardUpstream,
  policyCloseReason,
} from "../../../src/pipeline/realtime/events.js";
import { SessionContext, withoutMedia } from "../../../src/pipeline/realtime/session-context.js";
import {
  forwardableSubprotocols,
  offeredSubprotocols,
  realtimeTarget,
  upgradeCredentials,
} from "../../../src/pipeline/realtime/target.js";

describe("realtimeTarget", () => {
  it("reads the preview and GA paths and drops credentials from the forwarded query", () => {
    expect(
      realtimeTarget(
        "/openai/realtime?api-version=2025-04-01-preview&deployment=rt&api-key=secret",
      ),
    ).toEqual({
      family: "classic",
      path: "/openai/realtime",
      deployment: "rt",
      query: "?api-version=2025-04-01-preview&deployment=rt",
    });
    expect(
      realtimeTarget("//openai/v1/realtime?model=gpt-realtime&Authorization=Bearer%20x"),
    ).toEqual({
      family: "v1",
      path: "/openai/v1/realtime",
      deployment: "gpt-realtime",
      query: "?model=gpt-realtime",
    });
  });

  it("refuses other paths, missing or invalid deployments, and flags sideband connections", () => {
    expect(() => realtimeTarget("/openai/deployments/x/chat/completions")).toThrow(/served on/);
    expect(() => realtimeTarget("/openai/realtime?api-version=1")).toThrow(/`deployment`/);
    expect(() => realtimeTarget("/openai/v1/realtime?model=../x")).toThrow(/not a deployment/);
    expect(realtimeTarget("/openai/v1/realtime?call_id=rtc_1")).toEqual({ sideband: true });
  });
});

describe("realtime credentials", () => {
  it("collects every place a key can be, so two different keys can be refused", () => {
    const protocols = offeredSubprotocols(
      "realtime, openai-insecure-api-key.k1, openai-beta.realtime-v1",
    );
    expect(
      upgradeCredentials(
        { authorization: ["Bearer k2"] },
        "/openai/realtime?api-key=k3",
        protocols,
      ),
    ).toEqual({
      "api-key": ["k3", "k1"],
      authorization: ["Bearer k2"],
    });
    expect(upgradeCredentials({}, "/openai/realtime?authorization=k4", [])).toEqual({
      "api-key": [],
      authorization: ["Bearer k4"],
    });
    expect(forwardableSubprotocols(protocols)).toEqual(["realtime", "openai-beta.realtime-v1"]);
  });
});

describe("close codes", () => {
  it("passes normal codes on and never sends one that may not be sent", () => {
    expect(codeTowardClient(1000)).toBe(1000);
    expect(codeTowardClient(4000)).toBe(4000);
    expect(codeTowardClient(1006)).toBe(1011);
    expect(codeTowardClient(1005)).toBe(1000);
    expect(codeTowardClient(1015)).toBe(1011);
    expect(codeTowardUpstream(1006)).toBe(1001);
    expect(codeTowardUpstream(1001)).toBe(1001);
  });

  it("keeps close reasons within 123 bytes", () => {
    expect(Buffer.byteLength(closeReason("é".repeat(100)))).toBeLessThanOrEqual(123);
    const id = "0c6d3c9e-8f3a-4f55-9a57-5b1f8d2f1e11";
    expect(policyCloseReason(id)).toBe(`policy_violation ${id}`);
  });
});

describe("SessionContext", () => {
  const facts = (images: number): RequestFacts =>
    ({
      images: { count: images, bytes: 0, origins: images > 0 ? ["inline"] : [], items: [] },
      camera: {
        source: "body-worn",
        mobility: "mobile",
        environment: "unknown",
        origin: {},
        conflicts: [],
      },
      capture: "live",
      purposes: [],
    }) as unknown as RequestFacts;

  it("keeps the text of forwarded events without their image bytes, and marks speech", () => {
    const item = {
      type: "conversation.item.create",
      item: {
        content: [
          { type: "input_image", image_url: "data:image/jpeg;base64,AAAA" },
          { type: "input_text", text: "hi" },
        ],
      },
    };
    expect(withoutMedia(item)).toEqual({
      type: "conversation.item.create",
      item: { content: [{ type: "input_image" }, { type: "input_text", text: "hi" }] },
    });
    const session = new SessionContext();
    session.accept(item, facts(1));
    expect(session.facts.images).toBe(1);
    expect(session.audio).toBe(false);
    const append = { type: "input_audio_buffer.append", audio: "UklGRg==" };
    session.accept(append, facts(1));
    expect(session.audio).toBe(true);
    const version = session.version;
    session.accept(append, facts(1)); // nothing new to read
    expect(session.version).toBe(version);

    const next = { type: "response.create" };
    const body = session.bodyFor(next, JSON.stringify(next));
    expect(JSON.parse(body.raw.toString())).toEqual(body.parsed);
    expect(body.raw.toString()).not.toContain("base64");
    expect(body.parsed).toHaveLength(3);
  });
});
