/**
 * Every gateway config in the docs, whole or a fragment, is loaded as the gateway loads a config:
 * an example an operator copies must be valid (unquoted `${...:-}` in a flow map, or `rotate` on
 * stdout, once made the reference example fail with 170 errors).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileConfig } from "../../src/config/compile.js";
import { ConfigError, parseConfig } from "../../src/config/load.js";
import { GatewayConfigSchema } from "../../src/config/schema.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CONFIG_KEYS = new Set(Object.keys(GatewayConfigSchema.properties));

/** Markdown files of the docs, the README and docker/README.md. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(ROOT, "docs", f));
  return [...docs, join(ROOT, "README.md"), join(ROOT, "docker/README.md")].sort();
}

interface Snippet {
  where: string;
  text: string;
  topKeys: string[];
}

/** Every ```yaml block whose top-level keys are all gateway config keys. */
function configSnippets(): Snippet[] {
  const out: Snippet[] = [];
  for (const file of markdownFiles()) {
    const md = readFileSync(file, "utf8");
    for (const m of md.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)) {
      const text = m[1] ?? "";
      const topKeys = [...text.matchAll(/^([A-Za-z][A-Za-z0-9]*):/gm)].map((k) => k[1] ?? "");
      if (topKeys.length === 0 || !topKeys.every((k) => CONFIG_KEYS.has(k))) continue;
      const line = md.slice(0, m.index).split("\n").length;
      out.push({ where: `${relative(ROOT, file)}:${line}`, text, topKeys });
    }
  }
  return out;
}

/** Upstream names a fragment refers to without declaring them (the judge's). */
function referencedUpstreams(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return [];
  }
  const judge = (doc as { classification?: { judge?: Record<string, unknown> } } | null)
    ?.classification?.judge;
  if (judge === undefined) return [];
  const names = [judge["upstream"], ...Object.values(judge["byJurisdiction"] ?? {})];
  return [...new Set(names.filter((n): n is string => typeof n === "string"))];
}

/** A fragment completed with what a config needs (an upstream), and values for its variables. */
function completed(snippet: Snippet): { text: string; env: NodeJS.ProcessEnv } {
  let text = snippet.text;
  if (!snippet.topKeys.includes("upstreams")) {
    const names = ["primary", ...referencedUpstreams(text)];
    text += `upstreams:\n${names
      .map((n) => `  - { name: ${n}, endpoint: simulator, auth: { type: api-key, apiKey: "" } }\n`)
      .join("")}`;
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    env[name!] = name!.endsWith("ENDPOINT") ? "https://example.openai.azure.com" : "example-value";
  }
  return { text, env };
}

/** The problems of loading a snippet as if it were `config/<name>.yaml` (its paths resolve there). */
function problemsOf(snippet: Snippet): string[] {
  const { text, env } = completed(snippet);
  const file = join(ROOT, "config/docs-snippet.yaml");
  try {
    compileConfig(parseConfig(text, file, env), file);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe("config snippets in the docs", () => {
  const snippets = configSnippets();

  it("finds the reference example and the fragments", () => {
    expect(snippets.map((s) => s.where.split(":")[0])).toEqual(
      expect.arrayContaining(["docs/configuration.md", "docs/operations.md", "docs/classifier.md"]),
    );
    expect(snippets.find((s) => s.where.startsWith("docs/configuration.md"))?.topKeys).toEqual(
      expect.arrayContaining(["listen", "upstreams", "tenants", "audit", "reload"]),
    );
  });

  it.each(snippets.map((s) => [s.where, s] as const))("%s loads", (_where, snippet) => {
    expect(problemsOf(snippet)).toEqual([]);
  });
});
