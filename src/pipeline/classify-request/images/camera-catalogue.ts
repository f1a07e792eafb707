/**
 * The camera catalogue (`config/cameras.yaml`, documented in docs/camera-catalogue.md): EXIF make
 * and model to camera source. Validated and compiled once at load into an index by normalised
 * make, so a lookup costs a few map probes and the model tests of one maker.
 */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { CameraSource } from "../facts.js";

/** Sources a catalogue entry may name; `upload` and `unknown` are not properties of a camera. */
export const CATALOGUE_SOURCES = ["body-worn", "dashcam", "drone", "handheld", "fixed"] as const;
export type CatalogueSource = (typeof CATALOGUE_SOURCES)[number];

/** How an entry's EXIF strings are known (see docs/camera-catalogue.md "Provenance"). */
export const EXIF_PROVENANCE = ["observed", "documented", "inferred"] as const;
export type ExifProvenance = (typeof EXIF_PROVENANCE)[number];

export interface CameraMatch {
  source: CameraSource;
  id: string;
}

export interface CameraCatalogue {
  /** Entry count, for logs. */
  readonly size: number;
  /** The source of a camera, or `undefined` when the catalogue does not know it. */
  lookup(make?: string, model?: string): CameraMatch | undefined;
}

/** Raised for any problem with the catalogue file; `problems` lists each one with its path. */
export class CameraCatalogueError extends Error {
  readonly code = "GW_ERR_CAMERA_CATALOGUE";
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`invalid camera catalogue \`${file}\`:\n  - ${problems.join("\n  - ")}`);
    this.name = "CameraCatalogueError";
    this.problems = problems;
  }
}

/** Trailing words of company names that EXIF makes carry inconsistently. */
const CORPORATE_SUFFIXES = new Set([
  "inc",
  "incorporated",
  "corp",
  "corporation",
  "co",
  "company",
  "ltd",
  "limited",
  "llc",
  "gmbh",
  "ag",
  "sa",
  "bv",
  "plc",
  "kk",
  "ab",
  "oy",
]);

/** `Motorola Solutions, Inc.` and `MOTOROLA  SOLUTIONS` both become `motorola solutions`. */
export function normaliseMake(make: string): string {
  const words = make
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter((w) => w !== "");
  while (words.length > 1 && CORPORATE_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  return words.join(" ");
}

/** Case and spacing do not distinguish models: `AXON  Body 3` is `axon body 3`. */
export function normaliseModel(model: string): string {
  return model.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

interface CompiledEntry {
  id: string;
  source: CatalogueSource;
  exact: Set<string>;
  patterns: RegExp[];
}

interface MakeGroup {
  /** Entries with models, in file order. */
  byModel: CompiledEntry[];
  /** The entry that matches any model of this make, when the maker builds one kind of camera. */
  anyModel?: CompiledEntry;
}

const ENTRY_KEYS = new Set(["id", "make", "models", "source", "exif", "note", "ref"]);
const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const REGEX_LITERAL = /^\/(.+)\/(i?)$/s;
const MAX_MAKE_WORDS = 6;

function describe(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `\`${String(text).slice(0, 60)}\``;
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) {
    return value as string[];
  }
  return undefined;
}

/** Above any pattern match length: an exact model string beats every regex. */
const EXACT_SCORE = Number.MAX_SAFE_INTEGER;

/**
 * How specifically an entry names a model, so that a body-worn `Axon Body 4 Fleet` is not taken
 * for the in-car `Fleet` because that entry comes first: an exact model beats any pattern, a
 * pattern that matches more of the model beats one that matches less; -1 when it does not match.
 */
function specificity(entry: CompiledEntry, model: string, rawModel: string): number {
  if (entry.exact.has(model)) return EXACT_SCORE;
  let best = -1;
  for (const p of entry.patterns) {
    const m = p.exec(rawModel);
    if (m !== null && m[0].length > best) best = m[0].length;
  }
  return best;
}

class CompiledCatalogue implements CameraCatalogue {
  readonly size: number;
  constructor(
    private readonly groups: Map<string, MakeGroup>,
    size: number,
  ) {
    this.size = size;
  }

  lookup(make?: string, model?: string): CameraMatch | undefined {
    const normalisedModel = model === undefined ? "" : normaliseModel(model);
    const rawModel = model?.trim() ?? "";
    const byMake = make === undefined ? "" : normaliseMake(make);
    if (byMake !== "") return this.match(byMake, normalisedModel, rawModel);
    // No make: some cameras repeat it in the model (`Axon Body 3`); try the model's leading words.
    if (normalisedModel !== "")
      return this.match(normaliseMake(rawModel), normalisedModel, rawModel);
    return undefined;
  }

  /**
   * Longest matching make prefix first, word by word: `samsung techwin` before `samsung`; within
   * a make, the most specific model entry, then the make-only entry.
   */
  private match(make: string, model: string, rawModel: string): CameraMatch | undefined {
    const words = make.split(" ").slice(0, MAX_MAKE_WORDS);
    for (let n = words.length; n > 0; n--) {
      const group = this.groups.get(words.slice(0, n).join(" "));
      if (!group) continue;
      if (model !== "") {
        let best: CompiledEntry | undefined;
        let bestScore = -1;
        for (const entry of group.byModel) {
          const score = specificity(entry, model, rawModel);
          // Strictly greater: among equally specific entries, the first in the file wins.
          if (score > bestScore) {
            best = entry;
            bestScore = score;
          }
        }
        if (best) return { source: best.source, id: best.id };
      }
      if (group.anyModel) return { source: group.anyModel.source, id: group.anyModel.id };
    }
    return undefined;
  }
}

/** Validates a parsed catalogue document and compiles it; throws with every problem found. */
export function compileCameraCatalogue(doc: unknown, file = "cameras.yaml"): CameraCatalogue {
  const problems: string[] = [];
  const groups = new Map<string, MakeGroup>();
  const ids = new Map<string, number>();
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new CameraCatalogueError(file, ["the document must be a mapping with `cameras`"]);
  }
  const root = doc as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key !== "version" && key !== "cameras") problems.push(`${key}: unknown key`);
  }
  if (root["version"] !== 1) problems.push(`version: must be 1, got ${describe(root["version"])}`);
  const cameras = root["cameras"];
  if (!Array.isArray(cameras)) {
    problems.push("cameras: must be a list of entries");
    throw new CameraCatalogueError(file, problems);
  }
  const pending: Array<{ makes: string[]; entry: CompiledEntry; anyModel: boolean; at: string }> =
    [];
  cameras.forEach((raw: unknown, i: number) => {
    const at = `cameras[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`${at}: must be a mapping`);
      return;
    }
    const e = raw as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(e))
      if (!ENTRY_KEYS.has(key)) problems.push(`${at}.${key}: unknown key`);
    const id = e["id"];
    if (typeof id !== "string" || !ID.test(id)) {
      problems.push(`${at}.id: must be a kebab-case id, got ${describe(id)}`);
    } else if (ids.has(id)) {
      problems.push(`${at}.id: \`${id}\` is already used by cameras[${ids.get(id)}]`);
    } else ids.set(id, i);
    const makes = stringList(e["make"]);
    if (!makes || makes.some((m) => normaliseMake(m) === "")) {
      problems.push(`${at}.make: must be a non-empty string or list of strings`);
    }
    const source = e["source"];
    if (!CATALOGUE_SOURCES.includes(source as CatalogueSource)) {
      problems.push(
        `${at}.source: ${describe(source)} is not one of ${CATALOGUE_SOURCES.join(", ")}`,
      );
    }
    const exif = e["exif"];
    if (!EXIF_PROVENANCE.includes(exif as ExifProvenance)) {
      problems.push(`${at}.exif: ${describe(exif)} is not one of ${EXIF_PROVENANCE.join(", ")}`);
    }
    for (const key of ["note", "ref"]) {
      if (typeof e[key] !== "string" || (e[key] as string).trim() === "") {
        problems.push(`${at}.${key}: must be a non-empty string`);
      }
    }
    const exact = new Set<string>();
    const patterns: RegExp[] = [];
    const hasModels = e["models"] !== undefined;
    if (hasModels) {
      const models = stringList(e["models"]);
      if (!models) problems.push(`${at}.models: must be a non-empty list of strings`);
      models?.forEach((m, j) => {
        const literal = REGEX_LITERAL.exec(m);
        if (literal) {
          try {
            // Always case-insensitive: EXIF writers disagree on case.
            patterns.push(new RegExp(literal[1]!, "i"));
          } catch (err) {
            problems.push(
              `${at}.models[${j}]: regex ${describe(m)} does not compile: ${(err as Error).message}`,
            );
          }
        } else if (normaliseModel(m) === "") {
          problems.push(`${at}.models[${j}]: must not be empty`);
        } else exact.add(normaliseModel(m));
      });
    }
    if (problems.length > before || !makes) return;
    pending.push({
      makes,
      entry: { id: id as string, source: source as CatalogueSource, exact, patterns },
      anyModel: !hasModels,
      at,
    });
  });
  for (const { makes, entry, anyModel, at } of pending) {
    const seen = new Set<string>();
    for (const make of makes) {
      const key = normaliseMake(make);
      // Aliases of one entry may normalise alike (`Nikon`, `Nikon Corporation`).
      if (seen.has(key)) continue;
      seen.add(key);
      let group = groups.get(key);
      if (!group) {
        group = { byModel: [] };
        groups.set(key, group);
      }
      if (!anyModel) group.byModel.push(entry);
      else if (group.anyModel) {
        problems.push(
          `${at}.make: \`${make}\` already has a make-only entry \`${group.anyModel.id}\`; give one of them models`,
        );
      } else group.anyModel = entry;
    }
  }
  if (problems.length > 0) throw new CameraCatalogueError(file, problems);
  return Object.freeze(new CompiledCatalogue(groups, pending.length));
}

/**
 * The catalogue last loaded and its file's text. Parsing the shipped catalogue takes 100-350 ms
 * of a reload's time on the event loop (docs/performance.md, "Issue 14, round four"); a reload
 * that leaves the file as it was reuses it (a compiled catalogue is frozen).
 */
let last: { path: string; text: string; catalogue: CameraCatalogue } | undefined;

/** Reads, validates and compiles a catalogue file (YAML). */
export function loadCameraCatalogue(path: string): CameraCatalogue {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CameraCatalogueError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  if (last?.path === path && last.text === text) return last.catalogue;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new CameraCatalogueError(
      path,
      doc.errors.map((e) => `yaml: ${e.message.split("\n")[0]}`),
    );
  }
  const catalogue = compileCameraCatalogue(doc.toJS(), path);
  last = { path, text, catalogue };
  return catalogue;
}
