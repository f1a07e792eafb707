import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { policyToJson } from "@cedar-policy/cedar-wasm/nodejs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkCommand } from "../../../src/cli/check.js";
import { loadConfig } from "../../../src/config/index.js";
import { loadPolicySources } from "../../../src/pipeline/evaluate-policy/load-sources.js";
import {
  vocabularyMismatches,
  vocabularyWarnings,
} from "../../../src/pipeline/evaluate-policy/vocabulary.js";

const CONFIG_DIR = resolve("config");

function jsonOf(text: string): unknown {
  const r = policyToJson(text);
  if (r.type !== "success") throw new Error("policy does not parse");
  return r.json;
}

const BAD_POLICY = `@id("typo-live")
@reason("live identification is denied")
forbid (principal, action, resource)
when {
  context.capture == "Live" &&
  context.cameraSource == "bodyworn" &&
  principal.country == "UK"
};
`;

describe("vocabularyMismatches", () => {
  it("finds literals outside the gateway's vocabularies, on either side, in sets too", () => {
    const found = vocabularyMismatches(
      jsonOf(`forbid (principal, action, resource) when {
        context.capture == "Live" && "bodyworn" == context.cameraSource &&
        context.purposes.containsAny(["facial-identification", "face-id"]) &&
        ["live", "streamed"].contains(context.capture) &&
        principal.agencyType != "police" && principal.subdivision == "US-XX"
      };`),
    );
    expect(found.map((m) => `${m.attribute}=${m.value}`)).toEqual([
      "context.capture=Live",
      "context.cameraSource=bodyworn",
      "context.purposes=face-id",
      "context.capture=streamed",
      "principal.agencyType=police",
      "principal.subdivision=US-XX",
    ]);
    expect(found[0]?.why).toBe("the gateway only produces live, recorded, unknown");
  });

  it("accepts the values the gateway produces and ignores free attributes", () => {
    expect(
      vocabularyMismatches(
        jsonOf(`forbid (principal, action, resource) when {
          context.capture == "live" && context.cameraSource in ["body-worn", "dashcam"] &&
          principal.country == "US" && principal.subdivision == "US-NY" &&
          principal.tenantId == "anything" && context.unseen.contains("speech")
        };`),
      ),
    ).toEqual([]);
  });
});

describe("vocabularyWarnings", () => {
  it("reports nothing for the shipped policy pack", () => {
    const config = loadConfig(join(CONFIG_DIR, "demo.yaml"), {});
    expect(
      vocabularyWarnings(
        loadPolicySources(config.policy.schema, [...config.policy.files], config.baseDir),
      ),
    ).toEqual([]);
  });

  it("points at each bad literal with the policy id", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-vocab-"));
    const file = join(dir, "bad.cedar");
    writeFileSync(file, BAD_POLICY);
    const warnings = vocabularyWarnings({
      schema: { path: "schema", text: "" },
      policies: [{ path: file, text: BAD_POLICY }],
    });
    expect(warnings).toEqual([
      `${file}:5:22: policy typo-live: \`context.capture\` is compared with "Live", which it never equals: the gateway only produces live, recorded, unknown`,
      expect.stringMatching(
        /:6:27: policy typo-live: `context.cameraSource` is compared with "bodyworn"/,
      ),
      expect.stringMatching(
        /:7:24: policy typo-live: `principal.country` is compared with "UK".*use `GB`/,
      ),
    ]);
  });
});

describe("policy-gateway check", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  /** A config using the shipped pack plus the bad policy; runs `check` and captures its output. */
  function runCheck(strict: boolean) {
    const dir = mkdtempSync(join(tmpdir(), "gw-vocab-"));
    writeFileSync(join(dir, "bad.cedar"), BAD_POLICY);
    const configFile = join(dir, "gateway.yaml");
    writeFileSync(
      configFile,
      `upstreams: [{ name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }]
policy:
  schema: ${join(CONFIG_DIR, "policies/gateway.cedarschema")}
  files: [${join(CONFIG_DIR, "policies/*.cedar")}, bad.cedar]
classification: { cameraCatalogue: ${join(CONFIG_DIR, "cameras.yaml")} }
`,
    );
    let out = "";
    let err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((c) => {
      out += String(c);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((c) => {
      err += String(c);
      return true;
    });
    checkCommand({ config: configFile, strict });
    const exitCode = process.exitCode;
    vi.restoreAllMocks();
    return { out, err, exitCode };
  }

  it("warns and still passes without --strict", () => {
    const { out, err, exitCode } = runCheck(false);
    expect(exitCode).toBeUndefined();
    expect(out).toMatch(/^ok: .*, 3 warning\(s\)\n$/);
    expect(err.split("\n").filter((l) => l.startsWith("warning: "))).toHaveLength(3);
    expect(err).toContain('policy typo-live: `context.capture` is compared with "Live"');
  });

  it("fails with --strict", () => {
    const { out, err, exitCode } = runCheck(true);
    expect(exitCode).toBe(1);
    expect(out).toBe("");
    expect(err.split("\n").filter((l) => l.startsWith("error: "))).toHaveLength(3);
    expect(err).toContain("3 policy comparison(s) that can never match (--strict)");
  });
});
