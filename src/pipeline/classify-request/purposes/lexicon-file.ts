/**
 * Reads one lexicon file (`lexicons/<lang>.yaml`): YAML, checked against a schema (known keys,
 * concepts from `CONCEPTS` only, non-empty term lists), then for repeated terms. A term may appear
 * once per concept, compared as the matcher sees it (`termKey`), and in two concepts only when the
 * file lists it under `shared`. Every problem is reported with the file, concept and term, so a
 * bad edit fails at start-up (and in the tests) instead of matching twice or silently.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Type as T, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { parseDocument } from "yaml";
import { CONCEPTS, type Concept, type Lexicon, termKey } from "./lexicon.js";

/** Raised for any problem with a lexicon file; `problems` lists each one. */
export class LexiconFileError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`invalid lexicon \`${file}\`:\n  - ${problems.join("\n  - ")}`);
    this.name = "LexiconFileError";
    this.problems = problems;
  }
}

const Terms = T.Array(T.String({ minLength: 1 }), { minItems: 1 });
const byConcept: Record<string, TSchema> = {};
for (const c of CONCEPTS) byConcept[c] = T.Optional(Terms);

const LexiconFileSchema = T.Object(
  {
    lang: T.String({ pattern: "^[a-z]{2,3}$" }),
    mode: T.Union([T.Literal("words"), T.Literal("chars")]),
    headFinal: T.Optional(T.Boolean()),
    negAfter: T.Optional(T.Integer({ minimum: 0 })),
    shared: T.Optional(T.Array(T.String({ minLength: 1 }))),
    terms: T.Object(byConcept, { additionalProperties: false, minProperties: 1 }),
  },
  { additionalProperties: false },
);
const checker = TypeCompiler.Compile(LexiconFileSchema);

interface LexiconFile extends Lexicon {
  shared?: readonly string[];
}

/** Parses and checks the text of one lexicon file; `file` names it (`<lang>.yaml`). */
export function parseLexiconFile(text: string, file: string): Lexicon {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new LexiconFileError(
      file,
      doc.errors.map((e) => `yaml: ${e.message.split("\n")[0]}`),
    );
  }
  const raw: unknown = doc.toJS();
  if (!checker.Check(raw)) {
    const problems = [...checker.Errors(raw)].map((e) => `${e.path || "/"}: ${e.message}`);
    throw new LexiconFileError(file, problems);
  }
  const { shared, ...lexicon } = raw as LexiconFile;
  const problems = repeatedTerms(lexicon, shared ?? []);
  const expected = basename(file).replace(/\.yaml$/, "");
  if (lexicon.lang !== expected) {
    problems.unshift(`lang: \`${lexicon.lang}\` does not match the file name \`${expected}\``);
  }
  if (problems.length > 0) throw new LexiconFileError(file, problems);
  return lexicon;
}

/** Reads and checks one lexicon file, synchronously (lexicons load once, at module start). */
export function loadLexiconFile(path: string): Lexicon {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new LexiconFileError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseLexiconFile(text, path);
}

/**
 * Terms repeated within a concept, and terms in two concepts that `shared` does not list (or
 * `shared` entries that are not in two concepts). Markers are exempt from the second check: they
 * only tell languages apart, and function words such as `who` or `this` are also real terms.
 */
function repeatedTerms(lex: Lexicon, shared: readonly string[]): string[] {
  const problems: string[] = [];
  const conceptsOf = new Map<string, { term: string; concepts: Concept[] }>();
  for (const concept of CONCEPTS) {
    const firstSpelling = new Map<string, string>();
    for (const term of lex.terms[concept] ?? []) {
      const key = termKey(lex.mode, term);
      if (key === "") {
        problems.push(`terms.${concept}: term \`${term}\` has no letters`);
        continue;
      }
      const first = firstSpelling.get(key);
      if (first !== undefined) {
        const same = first === term ? "" : ` (same as \`${first}\` once folded)`;
        problems.push(`terms.${concept}: duplicate term \`${term}\`${same}`);
        continue;
      }
      firstSpelling.set(key, term);
      if (concept === "marker") continue;
      const seen = conceptsOf.get(key);
      if (seen) seen.concepts.push(concept);
      else conceptsOf.set(key, { term, concepts: [concept] });
    }
  }
  const allowed = new Set(shared.map((t) => termKey(lex.mode, t)));
  for (const [key, { term, concepts }] of conceptsOf) {
    if (concepts.length > 1 && !allowed.has(key)) {
      const where = concepts.map((c) => `terms.${c}`).join(" and ");
      problems.push(`${where}: term \`${term}\` is in each; list it under \`shared\` if meant`);
    }
  }
  for (const term of shared) {
    if ((conceptsOf.get(termKey(lex.mode, term))?.concepts.length ?? 0) < 2) {
      problems.push(`shared: \`${term}\` is not in two concepts`);
    }
  }
  return problems;
}
