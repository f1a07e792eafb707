import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/index.js";
import { compileText } from "../../helpers/config.js";

const yaml = (audit: string) => `upstreams:
  - name: primary
    endpoint: simulator
    auth: { type: api-key, apiKey: "" }
tenants:
  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: ["sha256:${"a".repeat(64)}"]
${audit}`;
const compile = (audit: string) => compileText(yaml(audit));

describe("audit config", () => {
  it("defaults to stdout, no rotation, an anchor every 1000 records or 60 seconds", () => {
    expect(compile("").audit).toEqual({
      destination: "stdout",
      rotate: null,
      anchor: { everyRecords: 1000, everySeconds: 60 },
      endUser: { mode: "hash", secret: expect.any(String) },
    });
  });

  it("resolves the file against the config's folder and fills rotation defaults", () => {
    const c = compile("audit:\n  destination: logs/audit.log\n  rotate: { maxFiles: 5 }\n");
    expect(c.audit).toMatchObject({
      destination: "/etc/gw/logs/audit.log",
      rotate: { maxBytes: 100 * 1024 * 1024, maxFiles: 5 },
    });
  });

  it("rejects rotation of stdout, and unknown or invalid keys", () => {
    expect(() => compile("audit:\n  rotate: { maxBytes: 1000 }\n")).toThrow(ConfigError);
    expect(() => compile("audit:\n  destination: a.log\n  rotate: { size: 1 }\n")).toThrow(
      ConfigError,
    );
    expect(() => compile("audit:\n  anchor: { everyRecords: 0 }\n")).toThrow(ConfigError);
  });
});
