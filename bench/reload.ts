/**
 * The stall a config reload causes (issue 14): the longest time the event loop goes without
 * running a 1 ms timer while `reload()` runs, for a reload that changes nothing and for one that
 * changes a policy file (a comment appended: a new policy revision, so the set is compiled again).
 * The gateway runs in this process on a copy of the benchmark's config and policies, watching
 * nothing (each reload is asked for), so no file change reloads it behind the measurement's back.
 *
 *   npm run build && node dist/bench/reload.js           5 reloads of each kind
 */
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { startGateway } from "../src/runtime/gateway.js";
import { median } from "./load.js";
import { fmt } from "./report.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const runs = Number(process.env.RELOAD_RUNS ?? 5);

/** A copy of the benchmark config whose policies and catalogue can be changed. */
function configCopy(): { file: string; policy: string } {
  const dir = mkdtempSync(join(tmpdir(), "aoai-gw-reload-"));
  const policies = join(dir, "policies");
  mkdirSync(policies);
  const from = join(root, "config", "policies");
  for (const name of readdirSync(from)) {
    if (name.endsWith(".cedar") || name.endsWith(".cedarschema")) {
      copyFileSync(join(from, name), join(policies, name));
    }
  }
  copyFileSync(join(root, "config", "cameras.yaml"), join(dir, "cameras.yaml"));
  const file = join(dir, "gateway.yaml");
  appendFileSync(
    file,
    [
      "listen: { host: 127.0.0.1, port: 0 }",
      "admin: { host: 127.0.0.1, port: 0 }",
      "reload: { watch: false }",
      "upstreams:",
      "  - { name: none, endpoint: http://127.0.0.1:9, auth: { type: api-key, apiKey: unused } }",
      "tenants:",
      "  - { id: t, name: T, agencyType: commercial, jurisdiction: US, keys: [sha256:" +
        "0".repeat(64) +
        "] }",
      "policy: { schema: policies/gateway.cedarschema, files: [policies/*.cedar], tests: [] }",
      "classification: { cameraCatalogue: cameras.yaml }",
      "log: { level: error }",
      "",
    ].join("\n"),
  );
  const policy = readdirSync(policies).find((n) => n.endsWith(".cedar"));
  if (policy === undefined) throw new Error("no policy file to change");
  return { file, policy: join(policies, policy) };
}

/** Runs `reload` while a 1 ms timer measures the longest gap between its runs. */
async function stallOf(
  reload: () => Promise<unknown>,
): Promise<{ stallMs: number; totalMs: number }> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  worst = 0;
  last = performance.now();
  const started = performance.now();
  const result = await reload();
  const totalMs = performance.now() - started;
  worst = Math.max(worst, performance.now() - last);
  clearInterval(timer);
  if ((result as { ok?: boolean }).ok !== true)
    throw new Error(`reload failed: ${JSON.stringify(result)}`);
  return { stallMs: worst, totalMs };
}

async function main(): Promise<void> {
  const { file, policy } = configCopy();
  const gateway = await startGateway({
    configFile: file,
    env: {},
    auditStream: new Writable({ write: (_c, _e, done) => done() }),
  });
  process.stderr.write(
    `reload stall, ${runs} reloads of each kind; load ${loadavg().map(fmt).join(" ")}\n`,
  );
  await stallOf(() => gateway.reload("warm-up"));
  const kinds: [string, (i: number) => void][] = [
    ["unchanged", () => undefined],
    ["policy file changed", (i) => appendFileSync(policy, `\n// reload ${i}\n`)],
  ];
  const results: Record<string, { stallMs: number; totalMs: number }> = {};
  for (const [kind, change] of kinds) {
    const stalls: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < runs; i++) {
      change(i);
      const r = await stallOf(() => gateway.reload(kind));
      stalls.push(r.stallMs);
      totals.push(r.totalMs);
    }
    results[kind] = { stallMs: median(stalls), totalMs: median(totals) };
    process.stderr.write(
      `${kind.padEnd(20)} longest stall ${fmt(median(stalls))} ms (worst ${fmt(Math.max(...stalls))}), reload ${fmt(median(totals))} ms (medians)\n`,
    );
  }
  await gateway.close();
  process.stdout.write(`${JSON.stringify({ load: loadavg(), runs, results })}\n`);
}

await main();
