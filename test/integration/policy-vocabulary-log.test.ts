/** The gateway says in its operational log, at start, when a policy can never match. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { startGateway } from "../../src/runtime/gateway.js";
import { AuditCapture, testConfigYaml } from "../helpers/harness.js";

describe("never-matching policies", () => {
  it("are logged at start with file, line and policy id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-vocab-log-"));
    const policy = join(dir, "typo.cedar");
    writeFileSync(
      policy,
      `@id("typo-live")\n@reason("x")\nforbid (principal, action, resource)\nwhen { context.capture == "Live" };\n`,
    );
    const configFile = join(dir, "gateway.yaml");
    writeFileSync(
      configFile,
      testConfigYaml("simulator", {
        extraPolicies: [policy],
        upstreams: `  - { name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }`,
      }),
    );
    let log = "";
    const gw = await startGateway({
      configFile,
      auditStream: new AuditCapture(),
      logStream: new Writable({
        write: (c, _e, cb) => {
          log += String(c);
          cb();
        },
      }),
    });
    await gw.close();
    const warnings = log
      .split("\n")
      .filter((l) => l.includes("never matches"))
      .map((l) => JSON.parse(l) as { level: number; problem: string });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
    expect(warnings[0]?.problem).toBe(
      `${policy}:4:27: policy typo-live: \`context.capture\` is compared with "Live", which it never equals: the gateway only produces live, recorded, unknown`,
    );
  });
});
