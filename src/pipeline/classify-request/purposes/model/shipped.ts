/**
 * The model shipped in the package (`models/purpose/`), loaded once per process before the first
 * generation is built (`startGateway`, the offline evaluator). Classification reads it
 * synchronously; without it (files removed) the classifier runs on its rules alone and says so
 * at start-up.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadPurposeModel, MODEL_FILE, type PurposeModel } from "./purpose-model.js";

let loaded: PurposeModel | undefined;
let loading: Promise<PurposeModel | undefined> | undefined;

/** The `models/purpose` directory above this file (source or build), or undefined. */
function findModelDir(): string | undefined {
  let dir = import.meta.dirname;
  for (let i = 0; i < 10; i++) {
    const candidate = join(dir, "models", "purpose");
    if (existsSync(join(candidate, "card.json")) && existsSync(join(candidate, MODEL_FILE))) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** Loads the shipped model once; resolves undefined when the package has none. */
export function ensurePurposeModel(): Promise<PurposeModel | undefined> {
  loading ??= (async () => {
    const dir = findModelDir();
    if (dir === undefined) return undefined;
    loaded = await loadPurposeModel(dir);
    return loaded;
  })();
  return loading;
}

/** The loaded model, once `ensurePurposeModel` has resolved. */
export function shippedPurposeModel(): PurposeModel | undefined {
  return loaded;
}
