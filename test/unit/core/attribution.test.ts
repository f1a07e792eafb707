/** The end user and the client of a call, as the audit records them (attribution.ts). */
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientOf, endUserOf } from "../../../src/pipeline/attribution.js";

const SECRET = "0123456789abcdef-secret";

describe("endUserOf", () => {
  it("keys the hash: another secret gives another id, and the id is not a plain SHA-256", () => {
    const a = endUserOf({ user: "alice" }, { mode: "hash", secret: SECRET });
    const b = endUserOf({ user: "alice" }, { mode: "hash", secret: `${SECRET}-2` });
    expect(a?.id).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(b?.id).not.toBe(a?.id);
    // sha256("alice") starts 2bd806c9...: a dictionary attack on plain hashes would find it
    expect(a?.id).not.toContain("2bd806c9");
  });

  it("bounds a plain id and ignores what is not a non-empty string", () => {
    expect(endUserOf({ user: "x".repeat(300) }, { mode: "plain", secret: SECRET })?.id).toBe(
      `${"x".repeat(256)}…`,
    );
    expect(
      endUserOf(
        { user_security_context: { end_user_id: 7 }, safety_identifier: "", user: "u" },
        { mode: "plain", secret: SECRET },
      ),
    ).toEqual({ id: "u", from: "user" });
    expect(endUserOf([{ user: "u" }], { mode: "plain", secret: SECRET })).toBeUndefined();
    expect(endUserOf({ user: "u" }, { mode: "off", secret: SECRET })).toBeUndefined();
  });
});

const request = (remote: string, headers: Record<string, string> = {}) =>
  ({
    socket: { remoteAddress: remote },
    connection: { remoteAddress: remote },
    headers,
  }) as unknown as IncomingMessage;

describe("clientOf", () => {
  it("ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(clientOf(request("203.0.113.1", { "x-forwarded-for": "10.1.1.1" }), [])).toEqual({
      address: "203.0.113.1",
    });
  });

  it("walks back through trusted hops only", () => {
    const trusted = ["127.0.0.1", "10.0.0.0/8"];
    const req = request("127.0.0.1", { "x-forwarded-for": "6.6.6.6, 198.51.100.9, 10.2.3.4" });
    expect(clientOf(req, trusted).address).toBe("198.51.100.9");
    const direct = request("198.51.100.77", { "x-forwarded-for": "1.2.3.4" });
    expect(clientOf(direct, trusted).address).toBe("198.51.100.77");
  });

  it("writes an IPv4-mapped peer as IPv4 and bounds the user agent", () => {
    const c = clientOf(request("::ffff:192.0.2.4", { "user-agent": "u".repeat(400) }), []);
    expect(c.address).toBe("192.0.2.4");
    expect(c.userAgent).toHaveLength(257);
  });
});
