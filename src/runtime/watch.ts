/**
 * Watches the files a config is made of (the config file, the Cedar schema and policy files, the
 * camera catalogue, the TLS certificate and key) and calls back, debounced, when one of them
 * changes. Directories are watched rather than files, so editors that save by renaming are seen
 * too, but only the names the config uses count: a log or any other file written beside the
 * config never triggers a reload (a log line per reload once made each reload trigger the next).
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import { patternToRegExp } from "../config/file-patterns.js";
import type { RuntimeConfig } from "../config/index.js";

/** One watched directory and the names in it that can change a config generation. */
export interface WatchTarget {
  dir: string;
  /** File names, or patterns of names (`*.cedar`: a new policy file counts too). */
  names: readonly RegExp[];
}

const WILDCARD = /[*?]/;
/**
 * Kubernetes mounts a ConfigMap's files as links through `..data`, and updates them all at once by
 * renaming a new `..data` into place: the only event the watched directory then reports.
 */
const KUBERNETES_SWAP = /^\.\.data$/;

/** Directories to watch and, in each, the names the config uses. */
export function watchTargets(config: RuntimeConfig): WatchTarget[] {
  const files = [
    config.file,
    config.policy.schema,
    config.classification.cameraCatalogue,
    ...config.policy.files,
    ...(config.listen.tls === null ? [] : [config.listen.tls.cert, config.listen.tls.key]),
  ];
  const byDir = new Map<string, Map<string, RegExp>>();
  for (const file of files) {
    const dir = dirname(file);
    const name = basename(file);
    const re = WILDCARD.test(name)
      ? patternToRegExp(name)
      : new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
    const names = byDir.get(dir) ?? new Map<string, RegExp>();
    names.set(name, re);
    byDir.set(dir, names);
  }
  return [...byDir].map(([dir, names]) => ({ dir, names: [...names.values(), KUBERNETES_SWAP] }));
}

/** Whether a change to `file` (a name in `target.dir`; null when the platform gives none) counts. */
export function isWatched(target: WatchTarget, file: string | null): boolean {
  // Without a name (rare; not on Linux or macOS) the change cannot be told apart: it counts.
  if (file === null) return true;
  return target.names.some((re) => re.test(file));
}

/** Starts watching; returns a function that stops. Errors (e.g. a removed directory) are logged. */
export function watchConfigFiles(
  targets: readonly WatchTarget[],
  debounceMs: number,
  onChange: (what: string) => void,
  onError: (err: Error) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let changed = "";
  const watchers: FSWatcher[] = [];
  for (const target of targets) {
    try {
      const w = watch(target.dir, { persistent: false }, (_event, file) => {
        const name = file === null ? null : String(file);
        if (!isWatched(target, name)) return;
        changed = join(target.dir, name ?? "");
        clearTimeout(timer);
        timer = setTimeout(() => onChange(changed), debounceMs);
      });
      w.on("error", onError);
      watchers.push(w);
    } catch (err) {
      onError(err as Error);
    }
  }
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
