/**
 * The demo tenant keys are published in the README, so anyone who can reach a gateway that accepts
 * them can spend its Azure quota as a demo tenant. Harmless on the built-in simulator or on
 * loopback; on a real upstream and a reachable address the gateway refuses to start (or reload).
 */
import { createHash } from "node:crypto";
import { isLoopbackHost } from "../config/addresses.js";
import type { RuntimeConfig } from "../config/index.js";
import { StartRefusedError } from "./start-refused.js";

/** The keys of config/demo.yaml, as README.md prints them. */
export const DEMO_KEYS: readonly string[] = [
  "demo-metro-pd-key",
  "demo-met-police-key",
  "demo-door-access-key",
  "demo-evidence-cloud-key",
  "demo-city-pd-key",
  "demo-newsroom-key",
];

const DEMO_HASHES: ReadonlyMap<string, string> = new Map(
  DEMO_KEYS.map((k) => [createHash("sha256").update(k, "utf8").digest("hex"), k]),
);

/**
 * Throws `StartRefusedError` when `config` accepts a published demo key, forwards to a real
 * upstream (anything but `simulator`) and listens on `host`, a non-loopback address.
 */
export function refuseExposedDemoKeys(config: RuntimeConfig, host: string): void {
  if (isLoopbackHost(host)) return;
  const real = config.upstreams.filter((u) => u.endpoint !== "simulator").map((u) => u.name);
  if (real.length === 0) return;
  const demo = config.keys
    .map((k) => ({ key: DEMO_HASHES.get(k.hash.toString("hex")), tenant: k.tenantId }))
    .filter((k): k is { key: string; tenant: string } => k.key !== undefined);
  if (demo.length === 0) return;
  throw new StartRefusedError(
    `refusing to serve the published demo key(s) ${demo.map((d) => `\`${d.key}\` (tenant \`${d.tenant}\`)`).join(", ")} ` +
      `on \`${host}\`, a non-loopback address, in front of the real upstream(s) ${real.map((n) => `\`${n}\``).join(", ")}: ` +
      "anyone who reads README.md could call Azure through this gateway. Replace the demo tenants with your own " +
      "(`policy-gateway hash-key <key>`), listen on 127.0.0.1, or use `endpoint: simulator`.",
  );
}
