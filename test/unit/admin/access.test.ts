/**
 * Admin access: `admin.token` compiles to a hash, the probes stay open, Bearer and a browser's
 * Basic prompt are accepted, and a config that opens the admin port beyond loopback without a
 * token is refused with a clear message.
 */
import { describe, expect, it } from "vitest";
import {
  adminAllowed,
  adminChallenge,
  compileAdminToken,
  openAdminProblem,
} from "../../../src/admin/access.js";
import { isLoopbackHost } from "../../../src/config/addresses.js";
import { compileText, configProblems } from "../../helpers/config.js";

const TOKEN = "0123456789abcdef-admin";
const token = compileAdminToken(TOKEN);
if (typeof token === "string") throw new Error(token);
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("compileAdminToken", () => {
  it("keeps only the token's hash", () => {
    expect(JSON.stringify(token)).not.toContain(TOKEN);
  });
  it("reads absent and empty as no token, `none` as a knowing opt-out", () => {
    expect(compileAdminToken(undefined)).toEqual({ kind: "none", optedOut: false });
    expect(compileAdminToken("")).toEqual({ kind: "none", optedOut: false });
    expect(compileAdminToken("none")).toEqual({ kind: "none", optedOut: true });
  });
  it("refuses a short token", () => {
    expect(compileAdminToken("secret")).toMatch(/at least 16 characters/);
  });
});

describe("adminAllowed", () => {
  it.each([
    ["/healthz", undefined, true],
    ["/readyz", undefined, true],
    ["/metrics", undefined, false],
    ["/", undefined, false],
    ["/api/decisions", `Bearer ${TOKEN}`, true],
    ["/api/decisions", `bearer ${TOKEN}`, true],
    ["/api/decisions", `Bearer ${TOKEN}x`, false],
    ["/api/decisions", `Bearer ${TOKEN.slice(0, -1)}`, false],
    ["/api/decisions", TOKEN, false],
    ["/", basic("anyone", TOKEN), true],
    ["/", basic("anyone", "wrong-password-000"), false],
    ["/", "Basic !!!", false],
  ])("%s with %s: %s", (path, auth, allowed) => {
    expect(adminAllowed(token, path, auth)).toBe(allowed);
  });
  it("lets everything through without a token", () => {
    expect(adminAllowed({ kind: "none", optedOut: false }, "/api/decisions", undefined)).toBe(true);
  });
  it("challenges browsers with Basic and API clients with Bearer", () => {
    expect(adminChallenge("/")).toMatch(/^Basic realm=/);
    expect(adminChallenge("/api/decisions")).toMatch(/^Bearer realm=/);
    expect(adminChallenge("/metrics")).toMatch(/^Bearer realm=/);
  });
});

describe("an open admin port", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.0.0.53", true],
    ["::1", true],
    ["[::1]", true],
    ["localhost", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.4", false],
  ])("%s is loopback: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it("is refused beyond loopback without a token, unless `none` says so", () => {
    const none = { kind: "none", optedOut: false } as const;
    expect(openAdminProblem("0.0.0.0", none)).toMatch(/without a token/);
    expect(openAdminProblem("127.0.0.1", none)).toBeNull();
    expect(openAdminProblem("0.0.0.0", { kind: "none", optedOut: true })).toBeNull();
    expect(openAdminProblem("0.0.0.0", token)).toBeNull();
  });

  const config = (admin: string) =>
    `admin: ${admin}
upstreams:
  - { name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }
tenants: []
`;
  const load = (admin: string, env: NodeJS.ProcessEnv = {}) => compileText(config(admin), env);

  it("makes the config invalid, naming the fix", () => {
    expect(configProblems(() => load("{ host: 0.0.0.0 }")).join("\n")).toMatch(
      /\/admin\/token: the admin listener binds `0\.0\.0\.0`.*admin\.token.*127\.0\.0\.1.*token: none/,
    );
  });

  it("takes the token from the environment, and reads an unset `$X:-` reference as none", () => {
    const ref = `\${GATEWAY_ADMIN_TOKEN:-}`;
    expect(
      load(`{ host: 0.0.0.0, token: "${ref}" }`, { GATEWAY_ADMIN_TOKEN: TOKEN }).admin.token,
    ).toEqual(token);
    expect(() => load(`{ host: 0.0.0.0, token: "${ref}" }`)).toThrow(/without a token/);
    expect(load(`{ host: 127.0.0.1, token: "${ref}" }`).admin.token.kind).toBe("none");
  });

  it("defaults the decisions window to 7 days", () => {
    expect(load("{ host: 127.0.0.1 }").admin.decisions).toEqual({
      windowMs: 7 * 86_400_000,
      maxRecords: 100_000,
    });
  });
});
