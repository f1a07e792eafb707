/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) into self and inclusive time per
 * function, with compiled `dist/src/*.js` locations mapped back to `src/*.ts` lines through the
 * source maps, and self time per package (gateway code, fastify, undici, pino, cedar...).
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  /** `src/pipeline/x.ts:12 functionName`, `node:internal/... fn`, or `(garbage collector)`. */
  where: string;
  functionName: string;
  location: string;
  package: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  /** Busy time sampled (idle excluded). */
  busyMs: number;
  samples: number;
  top: ProfileEntry[];
  /** Top functions of the gateway's own code by inclusive time. */
  topInclusiveSrc: ProfileEntry[];
  packages: { package: string; selfMs: number; selfPct: number }[];
}

export function packageOf(url: string, functionName: string): string {
  if (url === "") {
    if (functionName === "(garbage collector)") return "gc";
    if (functionName === "(program)" || functionName === "(idle)") return functionName;
    return "native";
  }
  if (url.startsWith("node:")) return "node";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
  }
  if (url.includes("/dist/src/")) return "gateway (src/)";
  if (url.startsWith("wasm://")) return "wasm";
  return "other";
}

/**
 * `window`: only samples taken between these CLOCK_MONOTONIC instants (microseconds, as
 * `process.hrtime` gives them; V8 stamps samples with the same clock), so start-up and shutdown
 * stay out of a profile of the load.
 */
export function analyseProfile(
  file: string,
  root: string,
  topN = 25,
  window?: { fromUs: number; toUs: number },
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  const maps = new Map<string, SourceMap | null>();
  const mapFor = (url: string): SourceMap | null => {
    let map = maps.get(url);
    if (map !== undefined) return map;
    map = null;
    try {
      const path = fileURLToPath(url);
      if (existsSync(`${path}.map`)) {
        map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8")));
      }
    } catch {
      map = null;
    }
    maps.set(url, map);
    return map;
  };
  const locationOf = (frame: CallFrame): string => {
    const { url, lineNumber, columnNumber } = frame;
    if (url === "") return "";
    if (url.startsWith("file://")) {
      const map = url.includes("/dist/src/") ? mapFor(url) : null;
      const entry = map?.findEntry(lineNumber, columnNumber);
      if (entry !== undefined && "originalSource" in entry) {
        const source = entry.originalSource.startsWith("file://")
          ? fileURLToPath(entry.originalSource)
          : entry.originalSource;
        const abs = source.startsWith("/")
          ? source
          : fileURLToPath(new URL(entry.originalSource, url));
        return `${relative(root, abs)}:${entry.originalLine + 1}`;
      }
      return `${relative(root, fileURLToPath(url))}:${lineNumber + 1}`;
    }
    return `${url}:${lineNumber + 1}`;
  };

  const keyOf = new Map<number, string>();
  const info = new Map<string, { frame: CallFrame; self: number; total: number }>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
    keyOf.set(node.id, key);
    if (!info.has(key)) info.set(key, { frame: f, self: 0, total: 0 });
  }

  let busy = 0;
  let counted = 0;
  let at = profile.startTime;
  const pkgSelf = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    at += profile.timeDeltas[i] ?? 0;
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue;
    counted++;
    // timeDeltas[i] is the time before sample i; attribute the interval after it (next delta).
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(id);
    if (node === undefined) continue;
    const name = node.callFrame.functionName;
    if (name === "(idle)") continue;
    busy += dt;
    const pkg = packageOf(node.callFrame.url, name);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + dt);
    info.get(keyOf.get(id)!)!.self += dt;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = keyOf.get(cur)!;
      if (seen.has(key)) continue;
      seen.add(key);
      info.get(key)!.total += dt;
    }
  }

  const entries: ProfileEntry[] = [];
  for (const { frame, self, total } of info.values()) {
    if (frame.functionName === "(idle)" || frame.functionName === "(root)") continue;
    const location = locationOf(frame);
    const fn = frame.functionName === "" ? "(anonymous)" : frame.functionName;
    entries.push({
      where: location === "" ? fn : `${location} ${fn}`,
      functionName: fn,
      location,
      package: packageOf(frame.url, frame.functionName),
      selfMs: self,
      selfPct: (100 * self) / busy,
      totalMs: total,
      totalPct: (100 * total) / busy,
    });
  }
  const top = [...entries].sort((a, b) => b.selfMs - a.selfMs).slice(0, topN);
  const topInclusiveSrc = entries
    .filter((e) => e.package === "gateway (src/)")
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, topN);
  const packages = [...pkgSelf.entries()]
    .map(([pkg, ms]) => ({ package: pkg, selfMs: ms, selfPct: (100 * ms) / busy }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { busyMs: busy, samples: counted, top, topInclusiveSrc, packages };
}
