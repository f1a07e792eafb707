/**
 * Test harness: a simulator with fault injection and a gateway in front of it, on ports from the
 * OS, with the audit captured in memory. Tenants and keys mirror config/demo.yaml's shapes.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import type { AuditRecord } from "../../src/pipeline/audit/record.js";
import { hashKey } from "../../src/pipeline/identify-tenant/identify.js";
import { type RunningGateway, startGateway } from "../../src/runtime/gateway.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";

export const UPSTREAM_KEY = "upstream-secret-key-0123456789";
export const KEYS = {
  metroPd: "test-key-metro-pd",
  metPolice: "test-key-met-police",
  doorAccess: "test-key-door-access",
  evidenceCloud: "test-key-evidence-cloud",
  /** evidence-cloud's customer-scoped key for `city-pd` (`customers[].keys`). */
  cityPd: "test-key-city-pd",
  newsroom: "test-key-newsroom",
} as const;

const CONFIG_DIR = resolve(import.meta.dirname, "../../config");

/** The YAML of a test config; `extra` is appended at top level (must not repeat keys). */
export function testConfigYaml(
  upstreamUrl: string,
  opts: {
    mode?: string;
    extra?: string;
    limits?: string;
    defaultTenant?: string;
    /** Extra policy files or patterns, after the default pack. */
    extraPolicies?: string[];
    /** YAML items of the `upstreams` list, replacing the single `primary` upstream. */
    upstreams?: string;
    /** YAML lines (two-space indented) added under `classification:` (`purposeModel: off`). */
    classification?: string;
    /** Rewrites the finished YAML (to add a key inside a tenant, say). */
    edit?: (yaml: string) => string;
    /** The gateway's classification clock (frame windows, EXIF capture times). */
    now?: () => number;
  } = {},
): string {
  const yaml = `
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
mode: ${opts.mode ?? "enforce"}
limits: ${opts.limits ?? "{ maxBodyBytes: 1048576, upstreamTimeoutMs: 1500, connectTimeoutMs: 1000 }"}
upstreams:
${
  opts.upstreams ??
  `  - name: primary
    endpoint: ${upstreamUrl}
    auth: { type: api-key, apiKey: ${UPSTREAM_KEY} }`
}
defaultTenant: ${opts.defaultTenant ?? "null"}
tenants:
  - id: metro-pd
    agencyType: law-enforcement
    jurisdiction: US-NY
    keys: ["${hashKey(KEYS.metroPd)}"]
    camera: { default: body-worn, declared: allow }
  - id: met-police
    agencyType: law-enforcement
    jurisdiction: GB
    keys: ["${hashKey(KEYS.metPolice)}"]
  - id: door-access-co
    agencyType: commercial
    jurisdiction: DE
    consent: attested
    keys: ["${hashKey(KEYS.doorAccess)}"]
    camera: { default: fixed, environment: controlled }
  - id: evidence-cloud
    agencyType: commercial
    jurisdiction: US
    keys: ["${hashKey(KEYS.evidenceCloud)}"]
    customers:
      - { id: city-pd, agencyType: law-enforcement, jurisdiction: US-CA, keys: ["${hashKey(KEYS.cityPd)}"] }
      - { id: hospital-7, agencyType: healthcare, jurisdiction: US-CA }
  - id: newsroom
    agencyType: commercial
    jurisdiction: FR
    keys: ["${hashKey(KEYS.newsroom)}"]
    userSecurityContext: true
policy:
  schema: ${join(CONFIG_DIR, "policies/gateway.cedarschema")}
  files: [${[join(CONFIG_DIR, "policies/*.cedar"), ...(opts.extraPolicies ?? [])].join(", ")}]
classification:
${opts.classification === undefined ? "" : `${opts.classification}\n`}  liveFrameRate: { frames: 3, withinSeconds: 10 }
  cameraCatalogue: ${join(CONFIG_DIR, "cameras.yaml")}
${opts.extra ?? ""}
`;
  return opts.edit === undefined ? yaml : opts.edit(yaml);
}

/** Collects audit lines written by the gateway. */
export class AuditCapture extends Writable {
  readonly records: (AuditRecord & { time: string; kind: string })[] = [];
  #waiters: (() => void)[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line.trim() !== "") this.records.push(JSON.parse(line));
    for (const w of this.#waiters.splice(0)) w();
    cb();
  }
  /** Resolves with the record of `decisionId` once it is written. */
  async waitFor(
    predicate: (r: AuditRecord) => boolean,
    timeoutMs = 5000,
  ): Promise<AuditRecord & { time: string; kind: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.find(predicate);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching audit record among ${this.records.length}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

/** A simulator and a gateway in front of it. */
export interface Harness {
  sim: RunningSimulator;
  gw: RunningGateway;
  audit: AuditCapture;
  configFile: string;
  close(): Promise<void>;
}

type ConfigOptions = NonNullable<Parameters<typeof testConfigYaml>[1]>;

/** Starts a gateway whose single upstream is `upstreamUrl`, with a fresh temp config file. */
export async function startGatewayOn(
  upstreamUrl: string,
  opts: ConfigOptions = {},
): Promise<{ gw: RunningGateway; audit: AuditCapture; configFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), "gw-test-"));
  const configFile = join(dir, "gateway.yaml");
  writeFileSync(configFile, testConfigYaml(upstreamUrl, opts));
  const audit = new AuditCapture();
  const logs = new Writable({ write: (_c, _e, cb) => cb() });
  const gw = await startGateway({
    configFile,
    auditStream: audit,
    logStream: logs,
    ...(opts.now === undefined ? {} : { classifierNow: opts.now }),
  });
  return { gw, audit, configFile };
}

/** Starts a simulator (faults on) and a gateway pointed at it. */
export async function startHarness(
  opts: ConfigOptions & { simulator?: Parameters<typeof startSimulator>[0] } = {},
): Promise<Harness> {
  const sim = await startSimulator({
    apiKey: UPSTREAM_KEY,
    faults: true,
    chunkDelayMs: 5,
    ...opts.simulator,
  });
  const { gw, audit, configFile } = await startGatewayOn(sim.url, opts);
  return {
    sim,
    gw,
    audit,
    configFile,
    async close() {
      await gw.close();
      await sim.close();
    },
  };
}
