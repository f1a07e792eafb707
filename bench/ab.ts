/**
 * A/B comparison of gateway builds (docs/performance.md, "Issue 14, round two"): the canned
 * upstream, the floor and two or more gateways, each from its own build directory, measured in
 * alternating rounds of the text-chat load (or another scenario), so every build is compared to
 * the same floor in the same minutes. On a shared machine a change worth a few percent is
 * invisible between two separate `npm run bench` runs; here it shows in the per-round ratios.
 *
 *   node dist/bench/ab.js base=/tmp/ab-base new=.          text chat, 6 rounds of 4 s
 *   AB_SCENARIO=image AB_ROUNDS=4 AB_SECONDS=3 node dist/bench/ab.js a=DIR b=DIR
 *   AB_SCENARIO=sse node dist/bench/ab.js a=DIR b=DIR      rounds of 100 sequential SSE calls
 *
 * `sse` runs `npm run bench`'s SSE load: each round, AB_SSE_CALLS (100) streamed calls of 50 events
 * per target, one at a time over one keep-alive connection each, interleaved across the targets;
 * its figure is the CPU each target spent over the round per event (idle time included, as there).
 *
 * A DIR is a checkout (or a copy) holding `dist/` and reaching `node_modules`, `models/` and
 * `config/` beside it; each gateway runs `DIR/dist/src/cli/main.js` with bench/gateway.yaml.
 * `name=DIR:VAR=value,VAR=value` also sets environment variables of that gateway; `NODE_ARGS`
 * among them is not one but Node's own flags for it, split at spaces and put before the script
 * (V8 flags such as `--single-threaded-gc` are refused in NODE_OPTIONS):
 *
 *   AB_SCENARIO=image node dist/bench/ab.js a=. "b=.:NODE_ARGS=--trace-gc --trace-gc-nvp"
 *
 * Each gateway's pid is printed at start; `--trace-gc` writes to the gateway's stdout (this
 * process's), each line prefixed with `[pid:isolate]`, so `grep '^\[PID:'` parts the processes.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, cpuMicros, startGatewayChild, startIpcChild } from "./children.js";
import { type LoadResult, median, runLoad } from "./load.js";
import {
  ALLOWED_PROMPT,
  CHAT_PATH,
  COMMERCIAL_KEY,
  imageChatBody,
  jpegOfSize,
  streamChatBody,
  textChatBody,
} from "./payloads.js";
import { fmt } from "./report.js";
import { streamClient } from "./stream.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const configFile = join(root, "bench", "gateway.yaml");
const rounds = Number(process.env.AB_ROUNDS ?? 6);
const seconds = Number(process.env.AB_SECONDS ?? 4);
const scenario = process.env.AB_SCENARIO ?? "text";
const sseCalls = Number(process.env.AB_SSE_CALLS ?? 100);
const SSE_EVENTS = 50;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A gateway to run: its build directory, extra environment and Node flags. */
interface Build {
  name: string;
  dir: string;
  env: Record<string, string>;
  nodeArgs: string[];
}

/** `name=DIR[:VAR=value,...]` arguments; `NODE_ARGS` is taken out as the gateway's Node flags. */
function builds(): Build[] {
  return process.argv.slice(2).map((arg) => {
    const eq = arg.indexOf("=");
    if (eq < 1) throw new Error(`expected name=DIR, got ${arg}`);
    const [dir, vars] = arg.slice(eq + 1).split(":", 2) as [string, string | undefined];
    const env: Record<string, string> = {};
    for (const pair of vars?.split(",") ?? []) {
      const i = pair.indexOf("=");
      if (i > 0) env[pair.slice(0, i)] = pair.slice(i + 1);
    }
    const nodeArgs = (env.NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
    delete env.NODE_ARGS;
    return { name: arg.slice(0, eq), dir: resolve(dir), env, nodeArgs };
  });
}

async function main(): Promise<void> {
  const list = builds();
  if (list.length === 0) throw new Error("name at least one build: name=DIR");
  const tmp = mkdtempSync(join(tmpdir(), "aoai-gw-ab-"));
  const upstreamKey = `bench-upstream-${randomBytes(8).toString("hex")}`;
  const prod = { NODE_ENV: "production" };
  const upstream = await startIpcChild("upstream", join(here, "upstream.js"), {
    ...prod,
    BENCH_UPSTREAM_KEY: upstreamKey,
    BENCH_SSE_EVENTS: "50",
  });
  const env = { ...prod, BENCH_UPSTREAM_URL: upstream.origin, BENCH_UPSTREAM_KEY: upstreamKey };
  const targets: { name: string; child: Child }[] = [
    { name: "floor", child: await startIpcChild("floor", join(here, "floor-proxy.js"), env) },
  ];
  for (const b of list) {
    const child = await startGatewayChild(
      join(b.dir, "dist", "src", "cli", "main.js"),
      configFile,
      {
        ...env,
        ...b.env,
        BENCH_AUDIT_FILE: join(tmp, `audit-${b.name}.log`),
      },
      b.nodeArgs,
    );
    log(`${b.name}: pid ${child.pid}${b.nodeArgs.length > 0 ? ` (${b.nodeArgs.join(" ")})` : ""}`);
    targets.push({ name: b.name, child });
  }
  const body =
    scenario === "image"
      ? imageChatBody(ALLOWED_PROMPT, [jpegOfSize(100 * 1024)])
      : scenario === "sse"
        ? streamChatBody()
        : textChatBody();
  const streams =
    scenario !== "sse"
      ? []
      : targets.map((t) =>
          streamClient(
            { name: t.name, origin: t.child.origin, headers: { "api-key": COMMERCIAL_KEY } },
            CHAT_PATH,
            body,
          ),
        );
  /** One SSE round: the calls interleaved across the targets; each one's CPU per event. */
  const sseRound = async (round: number): Promise<LoadResult[]> => {
    const before = targets.map((t) => cpuMicros(t.child.pid));
    const started = performance.now();
    for (let i = 0; i < sseCalls; i++) {
      for (let k = 0; k < streams.length; k++) {
        const s = await streams[(i + k + round) % streams.length]!.once();
        if (s.status !== 200 || s.events !== SSE_EVENTS) {
          throw new Error(`SSE call: status ${s.status}, ${s.events} events`);
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return targets.map((t, i) => ({
      requests: sseCalls,
      seconds,
      rps: sseCalls / seconds,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      meanMs: Number.NaN,
      cpuUsPerRequest: (cpuMicros(t.child.pid) - before[i]!) / sseCalls / SSE_EVENTS,
      upstreamCpuUsPerRequest: undefined,
      problems: [],
    }));
  };
  const go = (child: Child, durationS: number) =>
    runLoad({
      url: `${child.origin}${CHAT_PATH}`,
      connections: 32,
      durationS,
      headers: { "api-key": COMMERCIAL_KEY, "content-type": "application/json" },
      body,
      expectStatus: 200,
      pid: child.pid,
    });
  log(`A/B ${scenario}: ${rounds} rounds of ${seconds} s; load ${loadavg().map(fmt).join(" ")}`);
  if (scenario === "sse") {
    for (const s of streams) for (let i = 0; i < 10; i++) await s.once();
  } else for (const t of targets) await go(t.child, 2);
  const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    if (scenario === "sse") {
      const rs = await sseRound(round);
      for (const [i, t] of targets.entries()) results.get(t.name)!.push(rs[i]!);
    }
    // Rotate the order each round so no build always follows the floor.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const t of scenario === "sse" ? [] : order) {
      const r = await go(t.child, seconds);
      if (r.problems.length > 0) throw new Error(`${t.name}: ${r.problems.join(", ")}`);
      results.get(t.name)!.push(r);
    }
    const floor = results.get("floor")![round]!;
    const line = targets
      .slice(1)
      .map((t) => {
        const r = results.get(t.name)![round]!;
        return `${t.name} ${fmt(r.cpuUsPerRequest / floor.cpuUsPerRequest)}x`;
      })
      .join("  ");
    log(
      `  round ${round + 1}: floor ${fmt(floor.cpuUsPerRequest)} us  ${line}  (load ${fmt(loadavg()[0] ?? 0)})`,
    );
  }
  const unit = scenario === "sse" ? "CPU us/event" : "CPU us/req";
  log(`\nbuild     ${unit}  vs floor (median of per-round ratios)  req/s vs floor  p99 ms`);
  const floors = results.get("floor")!;
  for (const t of targets) {
    const rs = results.get(t.name)!;
    const ratio = median(rs.map((r, i) => r.cpuUsPerRequest / floors[i]!.cpuUsPerRequest));
    const rps = median(rs.map((r, i) => r.rps / floors[i]!.rps));
    log(
      `${t.name.padEnd(9)} ${fmt(median(rs.map((r) => r.cpuUsPerRequest))).padStart(10)}  ${fmt(ratio).padStart(8)}x${"".padEnd(30)}${fmt(rps).padStart(8)}x  ${fmt(median(rs.map((r) => r.p99Ms)))}`,
    );
  }
  // Paired with the first build, round by round: less exposed to the floor's own variance.
  const first = results.get(targets[1]!.name)!;
  for (const t of targets.slice(2)) {
    const rs = results.get(t.name)!;
    const paired = rs.map((r, i) => r.cpuUsPerRequest / first[i]!.cpuUsPerRequest);
    const lower = paired.filter((x) => x < 1).length;
    log(
      `${t.name} / ${targets[1]!.name} CPU per request: median ${fmt(median(paired))} (lower in ${lower} of ${paired.length} rounds)`,
    );
  }
  for (const s of streams) s.close();
  for (const t of targets) await t.child.stop();
  await upstream.stop();
}

await main();
