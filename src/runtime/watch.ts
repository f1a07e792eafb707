/**
 * Watches the files a config is made of (the config file, the Cedar schema and policy files, the
 * camera catalogue) and calls back, debounced, when any of them changes. Directories are watched
 * rather than files, so editors that save by renaming are seen too.
 */
import { type FSWatcher, watch } from "node:fs";
import { dirname } from "node:path";
import type { RuntimeConfig } from "../config/index.js";

/** The directories whose changes can change a config generation. */
export function watchedDirectories(config: RuntimeConfig): string[] {
  const dirs = new Set<string>([
    dirname(config.file),
    dirname(config.policy.schema),
    dirname(config.classification.cameraCatalogue),
    ...config.policy.files.map((f) => dirname(f)),
  ]);
  return [...dirs];
}

/** Starts watching; returns a function that stops. Errors (e.g. a removed directory) are logged. */
export function watchConfigFiles(
  dirs: readonly string[],
  debounceMs: number,
  onChange: (what: string) => void,
  onError: (err: Error) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let changed = "";
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const w = watch(dir, { persistent: false }, (_event, file) => {
        changed = `${dir}/${file ?? ""}`;
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
